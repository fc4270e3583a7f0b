from runner.harness.ops import service_logs


def test_sidekiq_processes_jobs(deployed_app):
    logs = service_logs(deployed_app.name, service="sidekiq")
    assert "Booted Rails" in logs.stdout
