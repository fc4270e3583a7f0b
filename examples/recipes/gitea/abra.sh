#!/usr/bin/env bash
export APP_INI_VERSION=v4
export DOCKER_SETUP_VERSION=v2

# `abra app cmd <domain> app admin -- user list`
admin() {
  gitea --config /etc/gitea/app.ini admin "$@"
}
