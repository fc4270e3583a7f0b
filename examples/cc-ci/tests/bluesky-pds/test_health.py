"""The PDS answers its health endpoint from inside its container."""

from runner.harness.ops import exec_in


def test_pds_health(deployed_app):
    out = exec_in(deployed_app.name, ["wget", "-qO-", "http://127.0.0.1:3000/xrpc/_health"], service="pds")
    assert '"version"' in out.stdout
