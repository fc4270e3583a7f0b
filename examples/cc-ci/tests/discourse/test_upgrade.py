"""Upgrading discourse from its last release to the recipe's head."""

import pytest

from runner.harness import recipes, releases

OFFICIAL_IMAGE = "discourse/discourse"


def test_upgrade_moves_to_official_image(recipe_dir):
    """Bitnami froze its images as bitnamilegacy/* on 2025-08-28: the upgrade lands on the official one."""
    image = recipes.load_compose(recipe_dir)["services"]["app"]["image"]
    assert image.split(":")[0] == OFFICIAL_IMAGE, f"the upgrade must leave bitnamilegacy behind, head runs {image}"


def test_upgrade_keeps_data_volumes(recipe_dir):
    tags = releases.release_tags(recipe_dir)
    if not tags:
        pytest.skip("the recipe has no release tags (not a git repository laid out with its releases)")
    before = releases.compose_at(recipe_dir, tags[-1])["services"]["app"].get("volumes", [])
    head = recipes.load_compose(recipe_dir)["services"]["app"].get("volumes", [])
    missing = [v for v in before if v not in head]
    assert not missing, f"the head no longer mounts {missing}: upgrading from {tags[-1]} loses that data"
