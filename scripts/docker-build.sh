#!/usr/bin/env bash
# docker-build.sh — `npm run docker:build`: build the image coffee-analysis:latest
# (override with IMAGE=name:tag) from the repo's Dockerfile.
#
# Why a script: on machines without a registry or a running engine the plain
# `docker build` cannot work. This one, in order:
#   1. if the engine does not answer, runs docker/start-dockerd.sh (installs
#      docker.io/docker-compose through apt when missing; needs root);
#   2. if the base image (NODE_IMAGE, default node:20-bookworm-slim) is absent,
#      runs docker/make-base-image.sh, which pulls it where a registry answers
#      and otherwise builds a local equivalent from Debian packages;
#   3. `docker build --network host` (npm ci inside the build must reach the npm
#      registry; with dockerd --bridge=none there is no other build network).
# Prints the build time and the image size.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${IMAGE:-coffee-analysis:latest}"
NODE_IMAGE="${NODE_IMAGE:-node:20-bookworm-slim}"

if ! docker info >/dev/null 2>&1; then
  "$HERE/docker/start-dockerd.sh"
fi
if ! docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
  IMAGE="$NODE_IMAGE" "$HERE/docker/make-base-image.sh"
fi

start=$(date +%s%3N)
docker build --network host --build-arg "NODE_IMAGE=$NODE_IMAGE" -t "$IMAGE" "$HERE"
elapsed=$(( $(date +%s%3N) - start ))
size="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
echo "docker-build: built $IMAGE in $((elapsed / 1000)).$(( (elapsed % 1000) / 100 ))s; size $(numfmt --to=iec "$size") ($size bytes)"
