"""A throwaway PostgreSQL server standing in for a recipe's `postgres` service: Debian's binaries,
run as the container user, its data directory in the sandbox's data volume, listening only on a
Unix socket in a private directory."""

import glob
import os
import shutil
import subprocess
import time

START_TIMEOUT = 60


def bindir():
    """Debian's newest installed PostgreSQL, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    postgres = shutil.which("postgres")
    return os.path.dirname(postgres) if postgres else None


class Server:
    def __init__(self, sandbox, data_dir, superuser, database):
        self.sandbox = sandbox
        self.bin = bindir()
        self.data_dir = data_dir
        self.superuser = superuser
        self.database = database
        # Socket paths are limited to ~107 bytes: a short directory of its own.
        self.socket_dir = sandbox.volume("/var/run/postgresql")
        self.process = None

    def env(self, extra=None):
        """What a hook in the container sees: the server's tools first on PATH, libpq pointed at
        the socket the way the image's default socket directory would be."""
        return {
            "PATH": f"{self.bin}:/usr/local/bin:/usr/bin:/bin",
            "PGHOST": self.socket_dir,
            "HOME": self.sandbox.root,
            "LC_ALL": "C.UTF-8",
            **(extra or {}),
        }

    def start(self):
        os.chmod(self.data_dir, 0o700)
        init = self.sandbox.run(
            [f"{self.bin}/initdb", "-D", self.data_dir, "-U", self.superuser, "--auth=trust", "-E", "UTF8", "--no-sync"],
            self.env(),
            timeout=120,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stdout}{init.stderr}")
        kwargs = {}
        if os.geteuid() == 0:
            kwargs = {"user": self.sandbox.uid, "group": self.sandbox.gid, "extra_groups": []}
        self.log = open(os.path.join(self.sandbox.root, "postgres.log"), "w")
        self.process = subprocess.Popen(
            [
                f"{self.bin}/postgres",
                "-D", self.data_dir,
                "-k", self.socket_dir,
                "-c", "listen_addresses=",
                "-c", "fsync=off",
            ],
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=self.sandbox.root,
            **kwargs,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.read_log()}")
            ready = self.sandbox.run([f"{self.bin}/pg_isready", "-q"], self.env(), timeout=10)
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"postgres not ready after {START_TIMEOUT}s: {self.read_log()}")
        if self.database != "postgres":
            self.psql("postgres", f'CREATE DATABASE "{self.database}"')

    def psql(self, database, sql):
        r = self.sandbox.run(
            [f"{self.bin}/psql", "-U", self.superuser, "-d", database, "-v", "ON_ERROR_STOP=1", "-Atq", "-c", sql],
            self.env(),
            timeout=60,
        )
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr}")
        return r.stdout.strip()

    def read_log(self):
        with open(os.path.join(self.sandbox.root, "postgres.log")) as f:
            return f.read()[-2000:]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
