"""Operations on a deployed app, addressed by its compose service name (`service="app"`)."""

import subprocess

ABRA = "abra"


def exec_in(app, command, service="app", timeout=60):
    """Run `command` in the app's `service` container."""
    return subprocess.run(
        [ABRA, "app", "cmd", "--chaos", app, service, "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def service_logs(app, service="app", tail=200, timeout=60):
    return subprocess.run(
        [ABRA, "app", "logs", app, service, "--tail", str(tail)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def restart(app, service="app", timeout=300):
    return subprocess.run(
        [ABRA, "app", "restart", app, service],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
