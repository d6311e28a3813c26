#!/usr/bin/env bash
# start-dockerd.sh — make sure a Docker daemon answers on this machine.
#
# Why: the dev/CI machines have no systemd-managed Docker and no container
# registry; the daemon must be started by hand with --bridge=none and
# --iptables=false (no bridge networking is allowed, containers use
# --network host). This script is idempotent: if `docker info` answers it does
# nothing; otherwise it installs docker.io (and docker-compose 1.29, Debian's
# python one) via apt when missing, starts dockerd in the background with its
# log in $DOCKERD_LOG, and waits (bounded) until `docker info` answers.
#
# Usage: docker/start-dockerd.sh
# Env:   DOCKERD_LOG (default /var/log/dockerd.log)
#        DOCKERD_WAIT_SECS (default 60)
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
DOCKERD_WAIT_SECS="${DOCKERD_WAIT_SECS:-60}"

die() { echo "start-dockerd: $*" >&2; exit 1; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null \
    || die "apt-get install $* failed"
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  echo "start-dockerd: installing docker.io"
  apt_install docker.io
fi
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "start-dockerd: installing docker-compose"
  apt_install docker-compose
fi

if docker info >/dev/null 2>&1; then
  echo "start-dockerd: docker daemon already answering"
  exit 0
fi

# A dockerd may be running but not answering yet (e.g. started seconds ago);
# only start one when none is running.
started_pid=""
if ! pgrep -x dockerd >/dev/null 2>&1; then
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # A stale pid file from a killed daemon makes dockerd refuse to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  echo "start-dockerd: starting dockerd (log: $DOCKERD_LOG)"
  # Close every inherited descriptor above stderr: a daemon must not keep a caller's lock or
  # pipe open for its whole life (e.g. `flock LOCK -c start-dockerd.sh` would never release).
  (
    for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true; done
    exec nohup dockerd --bridge=none --iptables=false >>"$DOCKERD_LOG" 2>&1 </dev/null
  ) &
  disown || true
fi

deadline=$(( $(date +%s) + DOCKERD_WAIT_SECS ))
until docker info >/dev/null 2>&1; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    die "dockerd did not answer within ${DOCKERD_WAIT_SECS}s; last log lines: $(tail -n 3 "$DOCKERD_LOG" 2>/dev/null | tr '\n' ' ')"
  fi
  # The pid we started (not `pgrep -x dockerd`: right after the fork the child may not be named dockerd yet).
  if { [ -n "$started_pid" ] && ! kill -0 "$started_pid" 2>/dev/null; } || { [ -z "$started_pid" ] && ! pgrep -x dockerd >/dev/null 2>&1; }; then
    die "dockerd exited; last log lines: $(tail -n 3 "$DOCKERD_LOG" 2>/dev/null | tr '\n' ' ')"
  fi
  sleep 0.5
done
echo "start-dockerd: docker daemon answering ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
