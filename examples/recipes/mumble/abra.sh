#!/usr/bin/env bash
export NGINX_CONF_VERSION=v1
export STATUS_HTML_VERSION=v1
