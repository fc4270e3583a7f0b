"""Deploy, wait until ready, promote: the life of a recipe under test."""

import importlib.util
import socket
import ssl
import time
import types
import urllib.request

import pytest

from . import canonical, murmur, warm
from .recipes import HARNESS_ROOT

# Recipes whose deployment can be replayed on this machine with real local services instead of a
# swarm; every other recipe's `deployed_app` tests skip here.
LOCAL_DEPLOYS = {"mumble": murmur.deploy_local}

POLL_INTERVAL = 0.1


def load_meta(recipe):
    """`tests/<recipe>/recipe_meta.py` as a module; a recipe without one gets the defaults."""
    path = HARNESS_ROOT / "tests" / recipe / "recipe_meta.py"
    if not path.is_file():
        return types.SimpleNamespace()
    spec = importlib.util.spec_from_file_location(f"recipe_meta_{recipe.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def deploy(recipe, recipe_dir, meta):
    start = LOCAL_DEPLOYS.get(recipe)
    if start is None:
        pytest.skip(f"{recipe} has no local replay: this test needs a swarm deployment (abra)")
    app = start(recipe_dir)
    try:
        wait_ready(app, meta)
    except BaseException:
        app.undeploy()
        raise
    return app


def wait_ready(app, meta):
    """Ready means the health path answers 200 and, when the recipe's meta names a READY_PROBE,
    that the probed port accepts connections several times in a row: an HTTP health path on one
    service says nothing about a non-HTTP port on another."""
    deadline = time.monotonic() + getattr(meta, "DEPLOY_TIMEOUT", 600)
    wait_http(app.http_url(getattr(meta, "HEALTH_PATH", "/")), getattr(meta, "HTTP_TIMEOUT", 10), deadline)
    probe = getattr(meta, "READY_PROBE", None)
    if probe:
        wait_port(
            app.host,
            app.port(probe.get("port", probe.get("tcp"))),
            probe.get("consecutive", 3),
            probe.get("interval", 0.5),
            deadline,
            tls=probe.get("tls", False),
        )


def wait_http(url, timeout, deadline):
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status}"
        except OSError as e:
            last = str(e)
        time.sleep(POLL_INTERVAL)
    raise TimeoutError(f"{url} not healthy before the deploy timeout: {last}")


def wait_port(host, port, consecutive, interval, deadline, tls=False):
    """`consecutive` connections in a row; with `tls`, each completes a TLS handshake too: a server
    can accept connections before it can answer them (murmurd listens, then generates its
    certificate)."""
    streak = 0
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=max(interval, 1)) as sock:
                if tls:
                    _tls_probe_context().wrap_socket(sock, server_hostname=host).close()
                streak += 1
        except OSError:
            streak = 0
        if streak >= consecutive:
            return
        time.sleep(interval if streak else POLL_INTERVAL)
    raise TimeoutError(f"{host}:{port} did not accept {consecutive} connections in a row before the deploy timeout")


def _tls_probe_context():
    # Readiness, not identity: a fresh server's certificate is self-signed.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def promote(recipe, meta):
    """Point the recipe's canonical domain at the deployment that just went green. A recipe that is
    also a live warm provider is only promoted when its meta enrols it (WARM_CANONICAL)."""
    if not getattr(meta, "WARM_CANONICAL", False):
        return None
    domain = canonical.canonical_domain(recipe)
    if warm.is_live_provider(recipe) and domain == warm.WARM_DOMAINS[recipe]:
        raise RuntimeError(f"promoting {recipe} at {domain} would take over its live warm deployment")
    return domain
