"""The recipe's start-up, run in a sandbox shaped like the container: its volumes writable by the
container user, its swarm configs read-only, the recipe's docker-setup.sh, then a stand-in for
`gitea web` that saves the secrets Gitea generates into app.ini the way Gitea does."""

import os
import shutil

import pytest

from runner.harness import recipes
from runner.harness.recipes import HARNESS_ROOT
from runner.harness.sandbox import Sandbox

STANDINS = HARNESS_ROOT / "runner" / "harness" / "standins"
# The rootless image's ENV (its Dockerfile): container paths.
IMAGE_ENV = {
    "GITEA_WORK_DIR": "/var/lib/gitea",
    "GITEA_CUSTOM": "/var/lib/gitea/custom",
    "GITEA_TEMP": "/tmp/gitea",
    "TMPDIR": "/tmp/gitea",
    "GITEA_APP_INI": "/etc/gitea/app.ini",
    "HOME": "/var/lib/gitea/git",
}


@pytest.fixture
def container(recipe_dir):
    for tool in ("bash", "sed", "cp", "mv"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    compose = recipes.load_compose(recipe_dir)
    deploy_env = recipes.app_env(recipe_dir)
    sandbox = Sandbox(prefix="cc-ci-gitea-")
    try:
        os.makedirs(sandbox.path("/tmp"), mode=0o1777)
        os.chmod(sandbox.path("/tmp"), 0o1777)
        bindir = sandbox.path("/usr/local/bin")
        os.makedirs(bindir, exist_ok=True)
        for name in ("gitea", "environment-to-ini", "ini.py"):
            shutil.copy(STANDINS / name, bindir)
            os.chmod(os.path.join(bindir, name), 0o755)
        sandbox.mount_service(recipe_dir, compose, "app", deploy_env)
        env = {k: sandbox.path(v) for k, v in IMAGE_ENV.items()}
        env.update(sandbox.service_env(compose, "app", deploy_env))
        env["PATH"] = f"{bindir}:/usr/bin:/bin"
        yield sandbox, env
    finally:
        sandbox.cleanup()


def start(sandbox, env):
    """The image's docker-entrypoint.sh: docker-setup.sh, then `gitea web`."""
    setup = sandbox.run(["bash", sandbox.path("/usr/local/bin/docker-setup.sh")], env, timeout=60)
    if setup.returncode != 0:
        return setup
    return sandbox.run([sandbox.path("/usr/local/bin/gitea"), "-c", env["GITEA_APP_INI"], "web"], env, timeout=60)


def saved(env, section, key):
    current = None
    with open(env["GITEA_APP_INI"], encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                current = line[1:-1]
            elif current == section and line.split("=")[0].strip() == key:
                return line.partition("=")[2].strip()
    return None


def test_first_start_saves_jwt_secret(container):
    sandbox, env = container
    r = start(sandbox, env)
    assert r.returncode == 0, f"start-up failed:\n{r.stdout}{r.stderr}"
    assert saved(env, "oauth2", "JWT_SECRET"), "app.ini has no [oauth2] JWT_SECRET after start-up"


def test_restart_keeps_saved_secrets(container):
    sandbox, env = container
    first = start(sandbox, env)
    assert first.returncode == 0, f"first start failed:\n{first.stdout}{first.stderr}"
    secret = saved(env, "oauth2", "JWT_SECRET")
    second = start(sandbox, env)
    assert second.returncode == 0, f"restart failed:\n{second.stdout}{second.stderr}"
    assert saved(env, "oauth2", "JWT_SECRET") == secret, "a restart replaced the saved JWT secret"
