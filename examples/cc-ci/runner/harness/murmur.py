"""The mumble recipe replayed on this machine: Debian's murmurd configured from the recipe's
`MUMBLE_CONFIG_*` environment, on a free loopback port standing in for 64738, and the `status`
sidecar's page served over HTTP (the recipe's health path)."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile

from . import recipes, templates
from .sandbox import container_user

MURMURD = "/usr/sbin/murmurd"
MUMBLE_PORT = 64738
# The ini keys murmurd reads, by the upper-case names the image's MUMBLE_CONFIG_* variables use.
INI_KEYS = {
    "REGISTERNAME": "registerName",
    "WELCOMETEXT": "welcometext",
    "USERS": "users",
    "BANDWIDTH": "bandwidth",
    "SERVERPASSWORD": "serverpassword",
}


def murmurd():
    return MURMURD if os.access(MURMURD, os.X_OK) else shutil.which("murmurd")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalApp:
    def __init__(self, name, workdir):
        self.name = name
        self.host = "127.0.0.1"
        self.workdir = workdir
        self.ports = {}
        self.http_port = None
        self.processes = []

    def port(self, container_port):
        return self.ports[int(container_port)]

    def http_url(self, path):
        return f"http://{self.host}:{self.http_port}{path}"

    def start(self, argv, log_name, **kwargs):
        log = open(os.path.join(self.workdir, log_name), "w")
        self.processes.append((subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, **kwargs), log))

    def undeploy(self):
        for process, log in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def murmur_ini(service_env, port, database):
    lines = [f"database={database}", "host=127.0.0.1", f"port={port}", "logfile=", "icesecretwrite="]
    for key, value in sorted(service_env.items()):
        if key.startswith("MUMBLE_CONFIG_") and key != "MUMBLE_CONFIG_PORT":
            name = key[len("MUMBLE_CONFIG_") :]
            lines.append(f"{INI_KEYS.get(name, name.lower())}={value}")
    return "\n".join(lines) + "\n"


def deploy_local(recipe_dir):
    """Start the murmur `app` and the `status` page together, as a stack deploy does."""
    import pytest

    binary = murmurd()
    if binary is None:
        pytest.skip("murmurd is not installed (Debian: mumble-server)")
    compose = recipes.load_compose(recipe_dir)
    env = recipes.app_env(recipe_dir)
    workdir = tempfile.mkdtemp(prefix="cc-ci-mumble-")
    os.chmod(workdir, 0o755)
    uid, gid = container_user()
    os.chown(workdir, uid, gid)
    app = LocalApp("mumble", workdir)
    app.ports[MUMBLE_PORT] = free_port()
    app.http_port = free_port()

    try:
        _start_services(app, recipe_dir, compose, env, binary, uid, gid)
    except BaseException:
        app.undeploy()
        raise
    return app


def _start_services(app, recipe_dir, compose, env, binary, uid, gid):
    workdir = app.workdir
    service_env = recipes.environment(compose["services"]["app"], env)
    ini = os.path.join(workdir, "murmur.ini")
    with open(ini, "w") as f:
        f.write(murmur_ini(service_env, app.ports[MUMBLE_PORT], os.path.join(workdir, "murmur.sqlite")))
    # murmurd drops root for its own user; run it unprivileged from the start so it keeps our files.
    user = {"user": uid, "group": gid, "extra_groups": []} if os.geteuid() == 0 else {}
    app.start([binary, "-ini", ini, "-fg"], "murmurd.log", cwd=workdir, **user)

    site = os.path.join(workdir, "status")
    os.makedirs(site)
    status = compose["configs"]["status_html"]
    status_env = recipes.environment(compose["services"]["status"], env)
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write(templates.render((recipe_dir / status["file"]).read_text(), status_env))
    app.start(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", site, str(app.http_port)],
        "status.log",
        cwd=workdir,
    )
