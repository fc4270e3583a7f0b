#!/usr/bin/env bash
export ENTRYPOINT_VERSION=v1
