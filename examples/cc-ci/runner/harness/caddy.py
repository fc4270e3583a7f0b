"""A recipe's Caddyfile, rendered as swarm renders its config template and adapted to JSON by the
real `caddy adapt`, and the upstream hosts Caddy will dial."""

import json
import shutil
import subprocess
import tempfile
import urllib.parse

from . import recipes, templates

CADDYFILE_TARGET = "/etc/caddy/Caddyfile"


def caddy():
    return shutil.which("caddy")


def caddy_service(compose):
    """(service name, config key) of the service that mounts a Caddyfile."""
    for name, service in compose["services"].items():
        for ref in service.get("configs") or []:
            if isinstance(ref, dict) and ref.get("target") == CADDYFILE_TARGET:
                return name, ref["source"]
    return None, None


def rendered_caddyfile(recipe_dir):
    compose = recipes.load_compose(recipe_dir)
    service, config = caddy_service(compose)
    if service is None:
        raise LookupError("the recipe mounts no Caddyfile")
    spec = compose["configs"][config]
    text = (recipe_dir / spec["file"]).read_text(encoding="utf-8")
    if spec.get("template_driver") == "golang":
        env = recipes.environment(compose["services"][service], recipes.app_env(recipe_dir))
        text = templates.render(text, env)
    return service, text


def adapt(text, timeout=30):
    """`caddy adapt` of a Caddyfile: (exit code, JSON config or None, output)."""
    with tempfile.TemporaryDirectory(prefix="cc-ci-caddy-") as tmp:
        path = f"{tmp}/Caddyfile"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        r = subprocess.run(
            [caddy(), "adapt", "--config", path, "--adapter", "caddyfile"],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={"HOME": tmp, "XDG_DATA_HOME": tmp, "XDG_CONFIG_HOME": tmp, "PATH": "/usr/bin:/bin"},
            start_new_session=True,
        )
        config = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None
        return r.returncode, config, r.stdout + r.stderr


def upstream_hosts(config):
    """Hosts Caddy connects to: reverse_proxy dials and the on-demand TLS `ask` URL."""
    hosts = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "dial" and isinstance(value, str):
                    hosts.add(value.rsplit(":", 1)[0])
                elif key == "ask" and isinstance(value, str):
                    hosts.add(urllib.parse.urlsplit(value).hostname)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(config)
    return sorted(h for h in hosts if h)
