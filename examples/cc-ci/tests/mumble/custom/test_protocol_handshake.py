"""A Mumble client logs in over TLS on the voice port and sees the server's channels."""

import time

from runner.harness import mumble_client
from runner.harness.murmur import MUMBLE_PORT

HANDSHAKE_ATTEMPTS = 6
HANDSHAKE_RETRY_DELAY = 0.5


def retry_handshake(host, port, attempts=HANDSHAKE_ATTEMPTS, delay=HANDSHAKE_RETRY_DELAY):
    last = None
    for _ in range(attempts):
        try:
            return mumble_client.handshake(host, port, username="cc-ci-probe")
        except (OSError, mumble_client.HandshakeError) as e:
            last = e
            time.sleep(delay)
    raise AssertionError(f"no Mumble handshake on {host}:{port} after {attempts} attempts: {last}")


def test_handshake_completes_with_channel_presence(deployed_app, recipe_dir):
    result = retry_handshake(deployed_app.host, deployed_app.port(MUMBLE_PORT))
    assert result["session"] is not None, "ServerSync carried no session"
    assert 0 in result["channels"], f"no root channel among {result['channels']}"
    assert result["welcome_text"], "the server sent no welcome text"
