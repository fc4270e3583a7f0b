from runner.harness.ops import exec_in


def test_admin_console_answers(deployed_app):
    out = exec_in(deployed_app.name, ["curl", "-fsS", "http://127.0.0.1:8080/realms/master"], service="app")
    assert '"realm":"master"' in out.stdout
