"""Name resolution on a swarm node, from compose files: who answers a DNS name asked by a service.

Swarm's embedded DNS answers, on every network a service is attached to, its bare service name,
its stack-qualified name `<stack>_<service>` and its network aliases. On an external network shared
by every stack (`proxy`), the bare name `app` therefore answers with every stack's `app`
(moby/moby#30313, #41532)."""

import pathlib

from . import recipes


class Attachment:
    def __init__(self, stack, service, network, aliases):
        self.stack = stack
        self.service = service
        self.network = network
        self.aliases = aliases

    def answers(self, name):
        return name in (self.service, f"{self.stack}_{self.service}", *self.aliases)

    def __repr__(self):
        return f"{self.stack}_{self.service}@{self.network}"


def attachments(recipes_dir):
    """Every service of every recipe deployed as a stack from its `.env.sample`, on each network."""
    out = []
    for recipe_dir in sorted(pathlib.Path(recipes_dir).iterdir()):
        if not (recipe_dir / "compose.yml").is_file():
            continue
        out += stack_attachments(recipe_dir)
    return out


def stack_attachments(recipe_dir):
    compose = recipes.load_compose(recipe_dir)
    stack = recipes.app_env(recipe_dir)["STACK_NAME"]
    declared = compose.get("networks") or {}
    out = []
    for name, service in (compose.get("services") or {}).items():
        nets = service.get("networks") or {"default": None}
        items = nets.items() if isinstance(nets, dict) else ((n, None) for n in nets)
        for key, spec in items:
            network_spec = declared.get(key) or {}
            # An external network is one network whatever the stack; any other is the stack's own.
            network = network_spec.get("name", key) if network_spec.get("external") else f"{stack}_{key}"
            aliases = tuple((spec or {}).get("aliases") or ())
            out.append(Attachment(stack, name, network, aliases))
    return out


def resolve(name, stack, service, all_attachments):
    """The services that answer `name` when `stack`'s `service` looks it up, on any of its networks."""
    networks = {a.network for a in all_attachments if a.stack == stack and a.service == service}
    found = {(a.stack, a.service) for a in all_attachments if a.network in networks and a.answers(name)}
    return sorted(found)
