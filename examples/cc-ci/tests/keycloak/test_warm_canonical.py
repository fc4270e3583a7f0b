"""keycloak is a live warm provider: its canonical deployment must live beside it, not on it."""

import types

from runner.harness import canonical, lifecycle, warm


def test_canonical_domain_differs_from_live_warm_domain():
    assert canonical.canonical_domain("keycloak") != warm.WARM_DOMAINS["keycloak"]


def test_promote_keeps_live_warm_keycloak():
    enrolled = types.SimpleNamespace(WARM_CANONICAL=True)
    domain = lifecycle.promote("keycloak", enrolled)
    assert domain and domain.endswith("." + warm.CI_BASE_DOMAIN)
    assert domain not in warm.WARM_DOMAINS.values()
