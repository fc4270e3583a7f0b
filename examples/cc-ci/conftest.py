"""Fixtures every recipe's tests share: where the recipe is, its meta, and a deployed app."""

import pytest

from runner.harness import lifecycle, recipes


@pytest.fixture
def recipes_dir():
    return recipes.recipes_dir()


@pytest.fixture
def recipe_name(request):
    return recipes.recipe_of_test(request.path)


@pytest.fixture
def recipe_dir(recipe_name):
    path = recipes.recipe_path(recipe_name)
    if not (path / "compose.yml").is_file():
        pytest.skip(f"recipe {recipe_name} not found at {path} (set REDFIX_RECIPES_DIR)")
    return path


@pytest.fixture
def meta(recipe_name):
    return lifecycle.load_meta(recipe_name)


@pytest.fixture
def deployed_app(recipe_name, recipe_dir, meta):
    app = lifecycle.deploy(recipe_name, recipe_dir, meta)
    try:
        yield app
    finally:
        app.undeploy()
