WARM_CANONICAL = True
# The first start compiles assets: the recipe's own TIMEOUT is 900 seconds.
DEPLOY_TIMEOUT = 1200
HTTP_TIMEOUT = 30
HEALTH_PATH = "/srv/status"
SCREENSHOT = True
