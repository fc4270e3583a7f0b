#!/bin/bash
# The rootless image's docker-setup.sh, run by its entrypoint before `gitea web`. app.ini is the
# app_ini swarm config, rendered by swarm from app.ini.tmpl.

# Prepare git folder
mkdir -p "${HOME}" && chmod 0700 "${HOME}"
if [ ! -w "${HOME}" ]; then echo "${HOME} is not writable"; exit 1; fi

# Prepare custom folder
mkdir -p "${GITEA_CUSTOM}" && chmod 0500 "${GITEA_CUSTOM}"

# Prepare temp folder
mkdir -p "${GITEA_TEMP}" && chmod 0700 "${GITEA_TEMP}"
if [ ! -w "${GITEA_TEMP}" ]; then echo "${GITEA_TEMP} is not writable"; exit 1; fi

if [ ! -f "${GITEA_APP_INI}" ]; then
  echo "${GITEA_APP_INI} is missing: is the app_ini config mounted?"
  exit 1
fi

# Replace app.ini settings with env variables in the form GITEA__SECTION_NAME__KEY_NAME
environment-to-ini --config "${GITEA_APP_INI}"
