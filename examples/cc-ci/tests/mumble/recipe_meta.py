WARM_CANONICAL = True
DEPLOY_TIMEOUT = 300
HTTP_TIMEOUT = 10
# The status page of the `status` sidecar: murmur itself speaks no HTTP.
HEALTH_PATH = "/"
SCREENSHOT = False
