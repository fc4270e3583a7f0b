# De-enrolled: promoting the canonical deployment took over the live warm keycloak, the OIDC
# provider other recipes' SSO tests log in with.
WARM_CANONICAL = False
DEPLOY_TIMEOUT = 900
HTTP_TIMEOUT = 30
HEALTH_PATH = "/realms/master"
EXTRA_ENV = {"KC_HEALTH_ENABLED": "true"}
SCREENSHOT = True
