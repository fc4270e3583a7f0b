"""Caddy's routing inside the stack: its Caddyfile adapts, and every upstream it dials is one service."""

import pytest

from runner.harness import caddy, network, recipes


@pytest.fixture
def adapted(recipe_dir):
    if caddy.caddy() is None:
        pytest.skip("caddy is not installed (Debian: caddy)")
    service, text = caddy.rendered_caddyfile(recipe_dir)
    code, config, output = caddy.adapt(text)
    return service, code, config, output


def test_caddyfile_adapts(adapted):
    _, code, config, output = adapted
    assert code == 0 and config is not None, f"caddy adapt failed:\n{output}"
    assert caddy.upstream_hosts(config), "the Caddyfile dials no upstream"


def test_every_upstream_resolves_to_one_service(adapted, recipe_dir, recipes_dir):
    service, code, config, output = adapted
    assert code == 0, f"caddy adapt failed:\n{output}"
    stack = recipes.app_env(recipe_dir)["STACK_NAME"]
    everyone = network.attachments(recipes_dir)
    for host in caddy.upstream_hosts(config):
        answers = network.resolve(host, stack, service, everyone)
        assert len(answers) == 1, (
            f"`{host}` asked from {stack}_{service} is answered by "
            f"{', '.join(f'{s}_{n}' for s, n in answers) or 'no service'}: "
            "a bare service name on a network shared by several stacks reaches any of them"
        )
