# syntax=docker/dockerfile:1
# The one image of Coffee Shop Analysis: every node kind (gateway, controller,
# workers, egg-of-life) and the CLI tools (client, compose, ...), the role chosen
# by the command line: `docker run IMAGE node gateway --index 0`,
# `docker run IMAGE client --data ... --out ...`.
#
# Build: `npm run docker:build` (scripts/docker-build.sh: makes sure dockerd
# answers and the base image exists, then builds coffee-analysis:latest), or by
# hand from the repo root:
#   docker build --network host -t coffee-analysis:latest .
# `--network host` lets `npm ci` reach the npm registry where dockerd runs with
# --bridge=none (no default build network). NODE_IMAGE defaults to the public
# `node:20-bookworm-slim`; where no registry answers, docker/make-base-image.sh
# makes a local image under that same tag, so this file builds unchanged.
ARG NODE_IMAGE=node:20-bookworm-slim

############################ build ############################
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# Dependencies first, so this layer is cached while only sources change.
# --ignore-scripts: `prepare` runs the TypeScript build, which needs the
# sources that are not copied yet; it is run explicitly below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts

COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 # prune leaves the emptied @scope dirs of dev dependencies behind
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete \
 # Component configs are read at run time from src/<component>/config.yaml
 # (next to the sources); a COPY glob would flatten them, so stage them here
 # with their paths kept.
 && mkdir -p /out \
 && find src -name config.yaml -exec cp --parents {} /out/ \; \
 && test -n "$(ls -A /out)"

############################ run ############################
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app

COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/config ./config
COPY --from=build /out/src ./src

# Code stays root-owned (read-only for the app); the directories the app
# writes under its root (.run state, data, results, bench-results) belong to
# the unprivileged user. Mount volumes there to keep them.
RUN mkdir -p .run data results bench-results \
 && chown node:node .run data results bench-results

USER node

# Gateways serve GET /ping on their health check port: give a gateway
# container HEALTH_PORT=<that port>. Other nodes leave HEALTH_PORT unset and
# are reported healthy. bash's /dev/tcp, not `node -e`: starting a Node process
# every few seconds in every container costs CPU, and on a loaded host takes
# longer than the check's timeout.
HEALTHCHECK --interval=10s --timeout=10s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "[ -z \"$HEALTH_PORT\" ] && exit 0; exec 3<>/dev/tcp/127.0.0.1/$HEALTH_PORT && printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3 && read -r -t 8 status <&3 && [[ $status == *' 200 '* ]]"]

ENTRYPOINT ["node", "bin/coffee-analysis.js"]
CMD ["--help"]
