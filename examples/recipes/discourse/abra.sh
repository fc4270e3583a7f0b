#!/usr/bin/env bash
# Custom commands: `abra app cmd <domain> app rake -- <task>`.

rake() {
  /opt/bitnami/scripts/discourse/entrypoint.sh bundle exec rake "$@"
}
