import socket
import time
import types

import pytest

from runner.harness import lifecycle


def test_wait_port_needs_consecutive_connections():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        lifecycle.wait_port("127.0.0.1", port, consecutive=3, interval=0.01, deadline=time.monotonic() + 5)


def test_wait_port_times_out_on_a_closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TimeoutError):
        lifecycle.wait_port("127.0.0.1", port, consecutive=2, interval=0.01, deadline=time.monotonic() + 0.3)


def test_recipe_meta_is_read_from_the_recipe_folder():
    assert lifecycle.load_meta("discourse").HEALTH_PATH == "/srv/status"
    assert lifecycle.load_meta("no-such-recipe").__dict__ == {}


def test_promote_skips_recipes_not_enrolled():
    assert lifecycle.promote("gitea", types.SimpleNamespace(WARM_CANONICAL=False)) is None


def test_wait_port_with_tls_needs_a_completed_handshake():
    # A listener that accepts but never speaks TLS: connections succeed, handshakes do not.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        with pytest.raises(TimeoutError):
            lifecycle.wait_port("127.0.0.1", port, consecutive=1, interval=0.05, deadline=time.monotonic() + 1.5, tls=True)
