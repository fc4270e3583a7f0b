#!/usr/bin/env bash
export CADDYFILE_VERSION=v2

# `abra app cmd <domain> app create_account -- <email> <handle>`
create_account() {
  goat pds admin create-account --email "$1" --handle "$2"
}
