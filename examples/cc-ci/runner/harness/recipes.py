"""Reading a recipe the way abra and swarm do: compose files, `.env.sample`, `abra.sh` exports,
compose interpolation and deploy labels in both map and list form."""

import os
import pathlib
import re

import yaml

HARNESS_ROOT = pathlib.Path(__file__).resolve().parents[2]


def recipes_dir():
    """Where the recipes are: `redfix verify` points REDFIX_RECIPES_DIR at its patched copy."""
    for var in ("REDFIX_RECIPES_DIR", "CC_CI_RECIPES_DIR"):
        if os.environ.get(var):
            return pathlib.Path(os.environ[var]).resolve()
    return (HARNESS_ROOT.parent / "recipes").resolve()


def recipe_path(name):
    return recipes_dir() / name


def recipe_of_test(test_path):
    """`tests/<recipe>/...` names the recipe a test belongs to."""
    parts = pathlib.Path(test_path).resolve().relative_to(HARNESS_ROOT / "tests").parts
    return parts[0]


def load_compose(recipe_dir, name="compose.yml"):
    with open(pathlib.Path(recipe_dir) / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def env_sample(recipe_dir):
    """The uncommented `NAME=value` lines of `.env.sample`, quotes removed."""
    values = {}
    path = pathlib.Path(recipe_dir) / ".env.sample"
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if m:
            values[m.group(1)] = _unquote(m.group(2).strip())
    return values


def abra_exports(recipe_dir):
    exports = {}
    path = pathlib.Path(recipe_dir) / "abra.sh"
    if path.is_file():
        for m in re.finditer(r"^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(\S*)", path.read_text(), re.M):
            exports[m.group(1)] = _unquote(m.group(2))
    return exports


def stack_name(domain):
    """abra names an app's stack after its domain, dots replaced."""
    return domain.replace(".", "_")


def app_env(recipe_dir):
    """The variables compose interpolates with when the app is deployed from `.env.sample`."""
    env = {**abra_exports(recipe_dir), **env_sample(recipe_dir)}
    env.setdefault("STACK_NAME", stack_name(env.get("DOMAIN", pathlib.Path(recipe_dir).name)))
    return env


_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolate(text, env):
    """Compose interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR`, `$$`."""

    def sub(m):
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        value = env.get(name)
        if m.group(2) == ":-" and not value:
            return m.group(3)
        if m.group(2) == "-" and value is None:
            return m.group(3)
        return value or ""

    return _VAR.sub(sub, text)


def labels(service):
    """A service's deploy labels as a dict, from map form or list form (`- "key=value"`)."""
    raw = (service.get("deploy") or {}).get("labels") or {}
    if isinstance(raw, dict):
        return {str(k): "" if v is None else str(v) for k, v in raw.items()}
    out = {}
    for item in raw:
        key, _, value = str(item).partition("=")
        out[key] = value
    return out


def environment(service, env):
    """A service's environment, interpolated, from map form or list form; `NAME` alone takes the
    value from the deploy environment, as compose does."""
    raw = service.get("environment") or {}
    items = raw.items() if isinstance(raw, dict) else (_split_env(i) for i in raw)
    out = {}
    for key, value in items:
        out[key] = env.get(key, "") if value is None else interpolate(str(value), env)
    return out


def _split_env(item):
    key, sep, value = str(item).partition("=")
    return key, value if sep else None


def _unquote(value):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
