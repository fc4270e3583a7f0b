import os

from runner.harness.sandbox import Sandbox


def test_rewrite_reroots_mount_targets_only_at_path_boundaries():
    sandbox = Sandbox()
    try:
        sandbox.volume("/var/lib/postgresql/data")
        root = sandbox.root
        text = "pg_dump > /var/lib/postgresql/data/backup.sql; ls /var/lib/postgresql/database /x/var/lib/postgresql/data"
        assert sandbox.rewrite(text) == (
            f"pg_dump > {root}/var/lib/postgresql/data/backup.sql; ls /var/lib/postgresql/database "
            "/x/var/lib/postgresql/data"
        )
    finally:
        sandbox.cleanup()


def test_config_mounts_are_read_only_to_the_container_user():
    sandbox = Sandbox()
    try:
        sandbox.volume("/etc/app")
        path = sandbox.config("/etc/app/app.ini", "[a]\n")
        r = sandbox.run(["sh", "-c", f"echo x >> {path}"], {"PATH": "/usr/bin:/bin"}, timeout=10)
        assert r.returncode != 0
        assert oct(os.stat(path).st_mode & 0o777) == "0o444"
    finally:
        sandbox.cleanup()
