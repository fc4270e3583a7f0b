from runner.harness import canonical, warm


def test_canonical_domain_is_under_the_ci_base_domain():
    assert canonical.canonical_domain("gitea").endswith("." + warm.CI_BASE_DOMAIN)


def test_canonical_domain_of_a_recipe_that_is_no_warm_provider_is_its_stable_domain():
    # Promotion replaces the warm deployment of ordinary recipes in place: their links keep working.
    for recipe in ("gitea", "mumble", "bluesky-pds", "mattermost-lts", "discourse"):
        assert not warm.is_live_provider(recipe)
        assert canonical.canonical_domain(recipe) == warm.stable_domain(recipe)


def test_stable_domain_has_warm_prefix():
    assert warm.stable_domain("gitea") == f"warm-gitea.{warm.CI_BASE_DOMAIN}"


def test_warm_domains_are_stable_domains():
    for recipe, domain in warm.WARM_DOMAINS.items():
        assert domain == warm.stable_domain(recipe)
