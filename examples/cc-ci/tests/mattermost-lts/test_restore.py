"""Backup and restore of the recipe's database, the way backupbot does it, against a real PostgreSQL
server: the recipe's own labels and hooks, the data volume in a sandbox."""

import pytest

from runner.harness import backupbot, postgres, recipes
from runner.harness.sandbox import Sandbox

# The postgres image's own environment (Dockerfile ENV), which hooks and scripts rely on.
POSTGRES_IMAGE_ENV = {"PGDATA": "/var/lib/postgresql/data"}

ROWS = [(1, "first post"), (2, "second post, with a ü"), (3, "third post")]


def database_service(compose):
    for name, service in compose["services"].items():
        if str(service.get("image", "")).split("/")[-1].startswith("postgres"):
            return name
    pytest.fail("the recipe has no postgres service")


@pytest.fixture
def database(recipe_dir):
    if postgres.bindir() is None:
        pytest.skip("PostgreSQL is not installed (Debian: postgresql)")
    compose = recipes.load_compose(recipe_dir)
    name = database_service(compose)
    deploy_env = recipes.app_env(recipe_dir)
    sandbox = Sandbox(prefix="cc-ci-pg-")
    server = None
    try:
        sandbox.mount_service(recipe_dir, compose, name, deploy_env)
        env = sandbox.service_env(compose, name, deploy_env, POSTGRES_IMAGE_ENV)
        server = postgres.Server(sandbox, env["PGDATA"], env["POSTGRES_USER"], env["POSTGRES_DB"])
        server.start()
        yield server, backupbot.Service(compose, name, sandbox, server.env(env))
    finally:
        if server:
            server.stop()
        sandbox.cleanup()


def rows(server):
    return server.psql(server.database, "SELECT id, message FROM posts ORDER BY id")


def test_restore_returns_state(database, tmp_path):
    server, service = database
    assert service.enabled, "the database service is not labelled backupbot.backup=true"
    server.psql(server.database, "CREATE TABLE posts (id integer PRIMARY KEY, message text NOT NULL)")
    for id_, message in ROWS:
        server.psql(server.database, f"INSERT INTO posts VALUES ({id_}, '{message}')")
    before = rows(server)

    service.backup(str(tmp_path / "snapshot"))
    server.psql(server.database, "UPDATE posts SET message = 'edited after the backup' WHERE id = 1")
    server.psql(server.database, "DELETE FROM posts WHERE id = 2")
    server.psql(server.database, "INSERT INTO posts VALUES (4, 'written after the backup')")
    assert rows(server) != before

    service.restore(str(tmp_path / "snapshot"))
    assert rows(server) == before, "the restore did not bring back the state the backup was taken of"

