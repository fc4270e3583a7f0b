"""Canonical deployments: the deployment of a recipe's head that a green run promotes."""

from .warm import CI_BASE_DOMAIN

PREFIX = "warm"


def canonical_domain(r):
    """The domain recipe `r`'s canonical (promoted) deployment is reachable at."""
    return f"{PREFIX}-{r}.{CI_BASE_DOMAIN}"
