#!/bin/sh
# Entrypoint of dockhand's offline `docker:latest` image. It behaves like the official image's:
# docker sub-commands and flags are run through `docker`, anything else is executed as given
# (so GitLab's `sh -c <shell detection>` command works), and DOCKER_HOST defaults to the
# `docker` service when no socket is mounted.
set -e

case "${1:-}" in
  -*) set -- docker "$@" ;;
esac

if [ "$#" -gt 0 ] && [ "$1" != docker ] && ! command -v "$1" >/dev/null 2>&1 && docker help "$1" >/dev/null 2>&1; then
  set -- docker "$@"
fi

if [ -z "${DOCKER_HOST:-}" ] && [ ! -S /var/run/docker.sock ] && getent hosts docker >/dev/null 2>&1; then
  export DOCKER_HOST=tcp://docker:2375
fi

if [ "$#" -eq 0 ]; then set -- sh; fi
exec "$@"
