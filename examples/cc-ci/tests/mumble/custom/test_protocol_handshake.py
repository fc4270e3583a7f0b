"""A Mumble client logs in over TLS on the voice port and sees the server's channels."""

import time

from runner.harness import mumble_client
from runner.harness.murmur import MUMBLE_PORT

# Seconds the test gives the voice port, from the moment the deployment is reported ready.
HANDSHAKE_BUDGET = 3.5
HANDSHAKE_RETRY_DELAY = 0.5


def retry_handshake(host, port, budget=HANDSHAKE_BUDGET, delay=HANDSHAKE_RETRY_DELAY):
    deadline = time.monotonic() + budget
    attempts = 0
    last = None
    while time.monotonic() < deadline:
        attempts += 1
        try:
            return mumble_client.handshake(
                host, port, username="cc-ci-probe", timeout=max(0.1, deadline - time.monotonic())
            )
        except (OSError, mumble_client.HandshakeError) as e:
            last = e
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
    raise AssertionError(f"no Mumble handshake on {host}:{port} within {budget}s ({attempts} attempts): {last}")


def test_handshake_completes_with_channel_presence(deployed_app, recipe_dir):
    result = retry_handshake(deployed_app.host, deployed_app.port(MUMBLE_PORT))
    assert result["session"] is not None, "ServerSync carried no session"
    assert 0 in result["channels"], f"no root channel among {result['channels']}"
    assert result["welcome_text"], "the server sent no welcome text"
