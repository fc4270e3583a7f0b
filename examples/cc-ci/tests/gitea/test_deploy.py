from runner.harness.ops import exec_in


def test_healthz(deployed_app):
    out = exec_in(deployed_app.name, ["curl", "-fsS", "http://127.0.0.1:3000/api/healthz"], service="app")
    assert '"status": "pass"' in out.stdout
