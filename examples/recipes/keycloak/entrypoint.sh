#!/bin/bash
# Keycloak reads passwords from the environment only: load them from the swarm secrets, then hand
# over to the image's own start script.
set -e

KC_DB_PASSWORD="$(cat /run/secrets/db_password)"
KC_BOOTSTRAP_ADMIN_PASSWORD="$(cat /run/secrets/admin_pass)"
export KC_DB_PASSWORD KC_BOOTSTRAP_ADMIN_PASSWORD

exec /opt/keycloak/bin/kc.sh "$@"
