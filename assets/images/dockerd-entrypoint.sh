#!/bin/sh
# Entrypoint of dockhand's offline `docker:dind` image: dockerd on unix:///var/run/docker.sock and,
# with DOCKER_TLS_CERTDIR empty (the default here), on tcp://0.0.0.0:2375 without TLS. Arguments
# that start with `-` are passed to dockerd, as the official image does (GitLab services use
# `command: ["--insecure-registry=registry:5000"]`); other arguments are executed as given.
set -eu
export container=docker

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- dockerd "$@"
fi
if [ "$1" != dockerd ]; then exec "$@"; fi
shift

if [ -n "${DOCKER_TLS_CERTDIR:-}" ]; then
  echo >&2 "dind: DOCKER_TLS_CERTDIR=$DOCKER_TLS_CERTDIR is set, but this offline image does not generate TLS certificates."
  echo >&2 "dind: set DOCKER_TLS_CERTDIR to an empty value and use DOCKER_HOST=tcp://<alias>:2375."
  exit 1
fi

# Without --privileged (some hosts cannot grant every capability) /sys and the cgroup v1 mounts are
# read-only; with CAP_SYS_ADMIN they can be made writable, which the inner dockerd needs.
if grep -q ' /sys ro,' /proc/self/mountinfo; then mount -o remount,rw /sys 2>/dev/null || true; fi
for d in /sys/fs/cgroup/*; do
  if [ -d "$d" ] && mountpoint -q "$d" && grep -q " $d ro," /proc/self/mountinfo; then
    mount -o remount,rw,bind "$d" 2>/dev/null || true
  fi
done
if [ -d /sys/kernel/security ] && ! mountpoint -q /sys/kernel/security; then
  mount -t securityfs none /sys/kernel/security 2>/dev/null || true
fi
if ! mountpoint -q /tmp; then mount -t tmpfs none /tmp 2>/dev/null || true; fi

# Nested containers would otherwise be given public DNS servers; keep lookups local unless asked.
dns_flag=""
if [ -n "${DIND_DNS-127.0.0.1}" ]; then dns_flag="--dns=${DIND_DNS-127.0.0.1}"; fi

rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
# --tls=false: dockerd 20.10 otherwise waits 15 s before listening on TCP without TLS.
# shellcheck disable=SC2086
exec dockerd --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2375 --tls=false \
  $dns_flag ${DOCKERD_EXTRA_ARGS:-} "$@"
