"""Warm deployments: recipes kept live between runs and shared by other recipes' tests."""

import os

CI_BASE_DOMAIN = os.environ.get("CC_CI_BASE_DOMAIN", "ci.commoninternet.net")

# Live providers other recipes' tests talk to while they run: keycloak is the OIDC provider that the
# SSO tests of other recipes log in with.
WARM_DOMAINS = {
    "keycloak": f"warm-keycloak.{CI_BASE_DOMAIN}",
}


def stable_domain(r):
    """The domain of recipe `r`'s warm deployment, the one that stays live between runs."""
    return f"warm-{r}.{CI_BASE_DOMAIN}"


def is_live_provider(r):
    return r in WARM_DOMAINS
