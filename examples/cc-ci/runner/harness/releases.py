"""A recipe's published releases: its git tags `x.y.z+<upstream>`, and its files at a tag."""

import re
import subprocess

import yaml

TAG = re.compile(r"^(\d+)\.(\d+)\.(\d+)\+\S+$")


def _git(recipe_dir, *args):
    return subprocess.run(["git", "-C", str(recipe_dir), *args], capture_output=True, text=True, timeout=30)


def release_tags(recipe_dir):
    """Release tags, oldest first; [] when the recipe is not a git repository."""
    r = _git(recipe_dir, "tag", "--list")
    if r.returncode != 0:
        return []
    tags = [t for t in r.stdout.split() if TAG.match(t)]
    return sorted(tags, key=lambda t: tuple(int(x) for x in TAG.match(t).groups()))


def compose_at(recipe_dir, ref, name="compose.yml"):
    r = _git(recipe_dir, "show", f"{ref}:{name}")
    if r.returncode != 0:
        raise LookupError(f"{name} at {ref}: {r.stderr.strip()}")
    return yaml.safe_load(r.stdout)


def image_at(recipe_dir, ref, service="app"):
    return compose_at(recipe_dir, ref)["services"][service]["image"]
