#!/usr/bin/env bash
# make-base-image.sh — build a LOCAL image tagged node:20-bookworm-slim.
#
# Why: no container registry (Docker Hub) is reachable from the dev/CI
# machines, yet our Dockerfiles say `FROM node:20-bookworm-slim`. This script
# makes an equivalent image from Debian packages (reachable through the apt
# mirror) and the machine's own Node 20, so such Dockerfiles build unchanged.
#
# What it does (skipped entirely when the image already exists; a pull is
# tried first, bounded, in case a registry does answer):
#   1. debootstrap --variant=minbase bookworm (+ ca-certificates) into a temp
#      dir, from the mirror configured in /etc/apt/sources.list(.d);
#   2. copies the machine's `node` binary to /usr/local/bin and npm (and
#      corepack) to /usr/local/lib/node_modules, with /usr/local/bin/{npm,npx,
#      corepack} symlinks laid out as in the official image;
#   3. adds user/group `node` (uid/gid 1000, home /home/node, /bin/bash) and the
#      official docker-entrypoint.sh;
#   4. strips apt lists/caches, docs, man pages, locales, logs;
#   5. `tar | docker import` with CMD ["node"], ENTRYPOINT docker-entrypoint.sh,
#      ENV PATH and NODE_VERSION. Prints the time taken and the image size.
#
# Usage: docker/make-base-image.sh            (needs root, a running dockerd)
# Env:   IMAGE (default node:20-bookworm-slim), SUITE (default bookworm),
#        MIRROR (default: found in apt sources), TRY_PULL (default 1),
#        FORCE=1 to rebuild even when the image exists (and ignore the cache),
#        COFFEE_CACHE_DIR (default /var/cache/coffee-analysis): where the rootfs
#        tarball is kept, so a machine runs debootstrap once,
#        INCLUDE_HEADERS=1 to add Node's C headers (/usr/local/include/node,
#        54 MB; the official image has them, our deps need none),
#        EXTRA_CA=0 not to copy this machine's /usr/local/share/ca-certificates
#        into the image (by default they are added, and NODE_EXTRA_CA_CERTS
#        points node/npm at the system bundle, so `npm ci` in a build works
#        behind this machine's TLS-intercepting egress).
set -euo pipefail

IMAGE="${IMAGE:-node:20-bookworm-slim}"
SUITE="${SUITE:-bookworm}"
TRY_PULL="${TRY_PULL:-1}"
FORCE="${FORCE:-0}"
INCLUDE_HEADERS="${INCLUDE_HEADERS:-0}"
EXTRA_CA="${EXTRA_CA:-1}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "make-base-image: $*" >&2; exit 1; }
log() { echo "make-base-image: $*"; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"

"$HERE/start-dockerd.sh" >/dev/null || die "docker daemon not available"

if [ "$FORCE" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE already present ($(docker image inspect -f '{{.Size}}' "$IMAGE" | numfmt --to=iec)); nothing to do"
  exit 0
fi

if [ "$FORCE" != 1 ] && [ "$TRY_PULL" = 1 ]; then
  if timeout 30 docker pull -q "$IMAGE" >/dev/null 2>&1; then
    log "pulled $IMAGE from a registry"
    exit 0
  fi
  log "no registry answers for $IMAGE; building it locally"
fi

# --- find the Debian mirror the machine's apt uses --------------------------
find_mirror() {
  local f uri
  # deb822 .sources files: a stanza whose Suites include "$SUITE" (not -security)
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk -v suite="$SUITE" '
      BEGIN { RS=""; FS="\n" }
      {
        u=""; ok=0; deb=0
        for (i=1;i<=NF;i++) {
          if ($i ~ /^URIs:/)   { sub(/^URIs:[ \t]*/, "", $i); split($i, a, /[ \t]+/); u=a[1] }
          if ($i ~ /^Types:/ && $i ~ /(^|[ \t])deb([ \t]|$)/) deb=1
          if ($i ~ /^Suites:/) { n=split($i, s, /[ \t]+/); for (j=2;j<=n;j++) if (s[j]==suite) ok=1 }
        }
        if (ok && deb && u!="" && u !~ /security/) { print u; exit }
      }' "$f")"
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  # one-line format
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri="$(awk -v suite="$SUITE" '
      $1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                  if ($(i+1)==suite && $i !~ /security/) { print $i; exit } }' "$f")"
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
}
MIRROR="${MIRROR:-$(find_mirror)}"
[ -n "$MIRROR" ] || die "no Debian mirror for $SUITE found in /etc/apt/sources.list(.d); set MIRROR="
log "mirror: $MIRROR"

# --- tools ---------------------------------------------------------------------
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null \
    || die "cannot install debootstrap"
fi

# --- the machine's Node 20 and npm -------------------------------------------
NODE_BIN="$(readlink -f "$(command -v node)")" || die "no node on PATH"
NODE_VERSION="$("$NODE_BIN" -p 'process.versions.node')"
case "$NODE_VERSION" in 20.*) ;; *) die "machine node is $NODE_VERSION, need 20.x" ;; esac
NPM_DIR=""
for d in "$(dirname "$(readlink -f "$(command -v npm 2>/dev/null || echo /nonexistent)")" 2>/dev/null)/.." \
         /usr/lib/node_modules/npm /usr/local/lib/node_modules/npm; do
  if [ -f "$d/package.json" ] && [ -f "$d/bin/npm-cli.js" ]; then NPM_DIR="$(cd "$d" && pwd)"; break; fi
done
[ -n "$NPM_DIR" ] || die "cannot find npm's directory (looked next to \`npm\`, /usr/lib/node_modules/npm, /usr/local/lib/node_modules/npm)"
COREPACK_DIR="$(dirname "$NPM_DIR")/corepack"
log "node $NODE_VERSION from $NODE_BIN; npm $("$NODE_BIN" -p "require('$NPM_DIR/package.json').version") from $NPM_DIR"

# The rootfs tarball is cached per machine (debootstrap is most of the cost): keyed by suite,
# Node and npm versions and the extra CAs, so a new Node or CA makes a new one.
CACHE_DIR="${COFFEE_CACHE_DIR:-/var/cache/coffee-analysis}"
NPM_VERSION="$("$NODE_BIN" -p "require('$NPM_DIR/package.json').version")"
ca_sum=none
if [ "$EXTRA_CA" = 1 ] && compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  ca_sum="$(cat /usr/local/share/ca-certificates/*.crt | sha256sum | cut -c1-12)"
fi
CACHE_TAR="$CACHE_DIR/node-base-$SUITE-node$NODE_VERSION-npm$NPM_VERSION-ca$ca_sum-h$INCLUDE_HEADERS.tar"

start=$(date +%s)
# (not indented: the heredocs below end at column 0)
build_rootfs() {
ROOTFS="$(mktemp -d /tmp/node-base-rootfs.XXXXXX)"
# global: the EXIT trap removes it
cleanup() {
  [ -n "${ROOTFS:-}" ] || return 0
  # debootstrap may leave /proc, /sys mounted on failure
  for m in proc sys dev/pts dev; do mountpoint -q "$ROOTFS/$m" 2>/dev/null && umount -l "$ROOTFS/$m" || true; done
  rm -rf --one-file-system "$ROOTFS"
}
trap cleanup EXIT

log "debootstrap --variant=minbase $SUITE -> $ROOTFS"
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$ROOTFS" "$MIRROR" \
  >"$ROOTFS.debootstrap.log" 2>&1 || { tail -n 20 "$ROOTFS.debootstrap.log" >&2; die "debootstrap failed"; }
rm -f "$ROOTFS.debootstrap.log"

# apt sources inside the image: the same mirror plus security, deb822 like the official image
rm -f "$ROOTFS/etc/apt/sources.list"
SEC_MIRROR="$(grep -h '^URIs:.*security' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2; exit}')"
SEC_MIRROR="${SEC_MIRROR:-http://deb.debian.org/debian-security}"
cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SEC_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# Like the official slim images: packages installed later skip docs/man/locales,
# and apt keeps no caches.
mkdir -p "$ROOTFS/etc/dpkg/dpkg.cfg.d" "$ROOTFS/etc/apt/apt.conf.d"
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
DPKG
cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT
echo 'Acquire::GzipIndexes "true"; Acquire::CompressionTypes::Order:: "gz";' >"$ROOTFS/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'APT::AutoRemove::SuggestsImportant "false";' >"$ROOTFS/etc/apt/apt.conf.d/docker-autoremove-suggests"

# This machine's extra CAs (e.g. a TLS-intercepting egress proxy's): without
# them `npm ci` inside `docker build` fails with SELF_SIGNED_CERT_IN_CHAIN.
# The image is a local stand-in anyway; EXTRA_CA=0 leaves them out.
extra_ca=0
if [ "$EXTRA_CA" = 1 ]; then
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$crt" ] || continue
    install -m 0644 "$crt" "$ROOTFS/usr/local/share/ca-certificates/$(basename "$crt")"
    extra_ca=$((extra_ca + 1))
  done
  if [ "$extra_ca" -gt 0 ]; then
    chroot "$ROOTFS" /usr/sbin/update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed"
    log "added $extra_ca CA certificate(s) from /usr/local/share/ca-certificates"
  fi
fi

# Node, npm, corepack laid out like the official image
install -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
mkdir -p "$ROOTFS/usr/local/lib/node_modules" "$ROOTFS/usr/local/include"
cp -a "$NPM_DIR" "$ROOTFS/usr/local/lib/node_modules/npm"
ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
if [ -d "$COREPACK_DIR" ]; then
  cp -a "$COREPACK_DIR" "$ROOTFS/usr/local/lib/node_modules/corepack"
  ln -sfn ../lib/node_modules/corepack/dist/corepack.js "$ROOTFS/usr/local/bin/corepack"
fi
# Headers for native addons (node-gyp): 54 MB, and the slim image has no
# compiler anyway, so only on request (INCLUDE_HEADERS=1).
if [ "$INCLUDE_HEADERS" = 1 ] && [ -d /usr/include/node ]; then
  cp -a /usr/include/node "$ROOTFS/usr/local/include/node"
fi

# user node, uid/gid 1000, as in the official image
chroot "$ROOTFS" /usr/sbin/groupadd --gid 1000 node
chroot "$ROOTFS" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node

# official entrypoint: `docker run IMAGE -e 'x'` or `docker run IMAGE script.js` run node
cat >"$ROOTFS/usr/local/bin/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
ENTRY
chmod 0755 "$ROOTFS/usr/local/bin/docker-entrypoint.sh"

# smoke test inside the rootfs before import
chroot "$ROOTFS" /usr/local/bin/node -e 'process.exit(0)' || die "node does not run inside the rootfs"
chroot "$ROOTFS" /usr/local/bin/npm --version >/dev/null || die "npm does not run inside the rootfs"

# slim down
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/cache/debconf/*-old \
       "$ROOTFS"/var/lib/dpkg/*-old "$ROOTFS"/var/log/* "$ROOTFS"/tmp/* "$ROOTFS"/root/.npm "$ROOTFS"/root/.cache
find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/usr/share/lintian/*
find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
: >"$ROOTFS/etc/hostname"; rm -f "$ROOTFS/etc/resolv.conf"; : >"$ROOTFS/etc/resolv.conf"
}

if [ "$FORCE" != 1 ] && [ -s "$CACHE_TAR" ]; then
  log "rootfs from this machine's cache: $CACHE_TAR"
else
  build_rootfs
  mkdir -p "$CACHE_DIR"
  tar --numeric-owner -C "$ROOTFS" -cf "$CACHE_TAR.tmp.$$" . && mv -f "$CACHE_TAR.tmp.$$" "$CACHE_TAR"
  log "rootfs cached at $CACHE_TAR ($(du -h "$CACHE_TAR" | cut -f1))"
fi

log "importing $IMAGE"
ca_env=()
[ "$ca_sum" != none ] && ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
docker import "${ca_env[@]}" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'CMD ["node"]' \
  --message "local equivalent of $IMAGE: debootstrap minbase $SUITE + node $NODE_VERSION" \
  "$CACHE_TAR" "$IMAGE" >/dev/null

docker run --rm --network host "$IMAGE" node -e 'console.log("node", process.version, "npm ok")' >/dev/null \
  || die "imported image does not run node"
elapsed=$(( $(date +%s) - start ))
size="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
log "built $IMAGE in ${elapsed}s; size $(numfmt --to=iec "$size") ($size bytes)"
