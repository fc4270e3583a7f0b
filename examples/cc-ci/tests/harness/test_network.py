from runner.harness import network

COMPOSE = """
version: "3.8"
services:
  app:
    image: example/app:1.0
    networks:
      proxy:
        aliases: [{alias}]
      internal:
  worker:
    image: example/app:1.0
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
"""


def stacks(tmp_path, *domains):
    for domain in domains:
        recipe = tmp_path / domain.split(".")[0]
        recipe.mkdir()
        (recipe / "compose.yml").write_text(COMPOSE.format(alias=f"{domain.split('.')[0]}-app"))
        (recipe / ".env.sample").write_text(f"DOMAIN={domain}\n")
    return network.attachments(tmp_path)


def test_bare_name_on_a_shared_network_answers_with_every_stack(tmp_path):
    everyone = stacks(tmp_path, "one.example", "two.example")
    assert network.resolve("app", "one_example", "app", everyone) == [("one_example", "app"), ("two_example", "app")]


def test_stack_qualified_name_and_alias_are_unique(tmp_path):
    everyone = stacks(tmp_path, "one.example", "two.example")
    assert network.resolve("two_example_app", "one_example", "app", everyone) == [("two_example", "app")]
    assert network.resolve("one-app", "two_example", "app", everyone) == [("one_example", "app")]


def test_internal_networks_are_per_stack(tmp_path):
    everyone = stacks(tmp_path, "one.example", "two.example")
    assert network.resolve("worker", "one_example", "worker", everyone) == [("one_example", "worker")]
    assert network.resolve("two_example_worker", "one_example", "worker", everyone) == []
