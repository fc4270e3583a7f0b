#!/usr/bin/env bash
# Custom commands: `abra app cmd <domain> app mmctl -- <args>`.

mmctl() {
  /mattermost/bin/mmctl --local "$@"
}
