#!/usr/bin/env bash
# build-local-images.sh — build small Docker images from the HOST's own Debian binaries,
# with no base image and no registry pull: a rootfs directory piped into `docker import`.
# Copied from shared/recipes/scripts/build-local-images.sh (shared/recipes/real-stack.md §4);
# scripts/bootstrap calls it for the images that are missing.  Changes: progress lines go to stderr.
#
#   usage: build-local-images.sh [busybox] [redis] [registry] [notary] [notary-signer] [ryuk] [node]
#          (default: busybox redis registry notary; ~2 s for the four)
#
# Images (tag prefix: PREFIX, default "local"):
#   local/busybox:1.35          busybox-static alone (generic tests, FROM base for Dockerfiles)
#   local/redis:7.0.15          redis-server from Debian bookworm (port 6379); entrypoint adds
#                               --protected-mode no unless the caller set it (like the official image)
#   local/registry:2.8.2        docker-registry / distribution 2.8.2 (port 5000, deletes enabled,
#                               config at /etc/docker/registry/config.yml like the official image)
#   local/notary-server:0.7.0   notary-server, memory storage, local signer, plain HTTP (port 4443)
#   local/notary-signer:0.7.0   notary-signer, no config (docker-compose.yml mounts deploy/notary)
#   local/ryuk:node             Ryuk stand-in: the host's node + ryuk.js (only when asked: "ryuk")
#   local/node:24-bookworm      a stand-in for node:24-bookworm-slim, the regops Dockerfile's base
#                               (only when asked: "node"); not host binaries but a whole Debian
#                               bookworm minbase rootfs (debootstrap, from the Debian mirror) + the
#                               official Node 24 binary (the npm registry's node@24 package, via
#                               `scripts/bootstrap --node24`) + npm (the registry's npm@11 package)
#                               + user node (1000:1000), like the official image, + the host's CA
#                               bundle as NODE_EXTRA_CA_CERTS (for npm ci behind a TLS-inspecting
#                               proxy). A real Debian, so the Dockerfile's `apt-get install notary`
#                               works. The rootfs comes from test/helpers/debian-rootfs.ts's cache
#                               when it is there (REGOPS_TEST_CACHE/bookworm-minbase.tar.gz), else
#                               debootstrap runs (needs root, ~1-2 min). 7-25 s with the cache;
#                               315 MB.
#
# Each rootfs = the binary + every library `ldd` lists (copied with mode 755: the ELF
# interpreter must be executable) + busybox-static as /bin/sh, cat, awk, grep, nc, wget ...
# (Testcontainers' port wait strategy execs `/bin/sh -c ...` inside the container) + a minimal
# /etc (passwd, group, nsswitch.conf, hosts) + the host's CA bundle.
#
# Needs: docker CLI + daemon (DOCKER_HOST), Debian packages busybox-static, redis-server
# (+ redis-tools for redis-cli), docker-registry, notary; nodejs for "ryuk".  Root or docker group.
# Env: PREFIX (local), ROOTFS_DIR (scratch dir for the rootfs trees, default
#      ${TMPDIR:-/tmp}/local-images-rootfs), HUB_TAGS=1 to also tag the images with the
#      Docker Hub names tests may use (redis:7.0.15, registry:2.8.2, busybox:1.35,
#      testcontainers/ryuk:0.14.0 = the reaper image testcontainers 11.14.0 asks for;
#      node:24-bookworm-slim = the Dockerfile's default base, so a plain `docker-compose build` works).
#      DEBIAN_MIRROR (http://deb.debian.org/debian) for "node" when it has to debootstrap.
#      notary-server gets no Hub tag: the official notary image has a different config.
set -euo pipefail

export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
WORK="${ROOTFS_DIR:-${TMPDIR:-/tmp}/local-images-rootfs}"
PREFIX="${PREFIX:-local}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ONLY="${*:-busybox redis registry notary}"

need() { command -v "$1" >/dev/null || { echo "missing: $1 (apt-get install -y $2)" >&2; exit 1; }; }
need busybox busybox-static
need docker docker.io

# --- functions -------------------------------------------------------------
skeleton() { # $1 = rootfs dir
  local r="$1"
  rm -rf "$r"
  mkdir -p "$r"/{bin,etc/ssl/certs,tmp,data,root,var/run}
  chmod 1777 "$r/tmp"
  # busybox-static is a fully static binary: gives sh, cat, awk, grep, nc, wget ...
  install -m755 "$(readlink -f "$(command -v busybox)")" "$r/bin/busybox"
  for a in sh ash cat awk grep nc wget ls ps sleep env echo test true false id hostname; do
    ln -sf busybox "$r/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
  printf '127.0.0.1 localhost\n::1 localhost\n' >"$r/etc/hosts"
  cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/" 2>/dev/null || true
}

add_bin() { # $1 = rootfs, $2 = absolute path of an ELF binary on the host
  local r="$1" b="$2" lib
  install -D -m755 "$(readlink -f "$b")" "$r$b"
  # "libx.so => /lib/.../libx.so (0x..)" and the bare "/lib64/ld-linux-x86-64.so.2 (0x..)"
  ldd "$b" 2>/dev/null | awk '$2=="=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
    sort -u | while read -r lib; do
      install -D -m755 "$(readlink -f "$lib")" "$r$lib"   # 755: the ELF interpreter must be executable
    done
}

import() { # $1 = rootfs, $2 = image:tag, rest = --change lines
  local r="$1" tag="$2"; shift 2
  local changes=() c
  for c in "$@"; do changes+=(--change "$c"); done
  local old new
  old="$(docker images -q "$tag" 2>/dev/null || true)"
  new="$(tar --numeric-owner -C "$r" -c . | docker import "${changes[@]}" - "$tag")"
  # a rebuild re-points the tag: drop the previous image so it does not pile up dangling
  new="${new#sha256:}"
  if [ -n "$old" ] && [ "$old" != "${new:0:12}" ]; then
    docker rmi "$old" >/dev/null 2>&1 || true
  fi
  echo "built $tag ($(du -sh "$r" | cut -f1) rootfs)" >&2
}

# --- images ----------------------------------------------------------------
build_busybox() {
  local r="$WORK/busybox"; skeleton "$r"
  import "$r" "$PREFIX/busybox:1.35" 'CMD ["/bin/sh"]'
}

build_redis() {
  local r="$WORK/redis"; skeleton "$r"
  add_bin "$r" /usr/bin/redis-server
  ln -sf redis-server "$r/usr/bin/redis-check-aof"; ln -sf redis-server "$r/usr/bin/redis-check-rdb"
  # redis-cli is handy for healthchecks / docker exec (optional)
  [ -x /usr/bin/redis-cli ] && add_bin "$r" /usr/bin/redis-cli
  # Like the official image: `redis-server ARGS` from any caller (e.g. @testcontainers/redis,
  # which replaces CMD) must accept connections from the docker bridge, so protected mode
  # (on by default when no password is set) is switched off unless the caller set it.
  mkdir -p "$r/usr/local/bin"
  cat >"$r/usr/local/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  case " $* " in *" --protected-mode "*) ;; *) set -- "$@" --protected-mode no ;; esac
fi
exec "$@"
SH
  chmod 755 "$r/usr/local/bin/docker-entrypoint.sh"
  import "$r" "$PREFIX/redis:7.0.15" \
    'EXPOSE 6379' 'WORKDIR /data' 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    'CMD ["redis-server"]'
}

build_registry() {
  local r="$WORK/registry"; skeleton "$r"
  add_bin "$r" /usr/bin/docker-registry
  mkdir -p "$r/etc/docker/registry" "$r/var/lib/registry"
  cat >"$r/etc/docker/registry/config.yml" <<'YAML'
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
YAML
  import "$r" "$PREFIX/registry:2.8.2" \
    'EXPOSE 5000' 'VOLUME /var/lib/registry' \
    'CMD ["/usr/bin/docker-registry","serve","/etc/docker/registry/config.yml"]'
}

build_notary() {
  local r="$WORK/notary"; skeleton "$r"
  add_bin "$r" /usr/bin/notary-server
  mkdir -p "$r/etc/notary"
  # no tls_* keys => plain HTTP; "local" trust service => no notary-signer needed;
  # "memory" storage => no MySQL/Postgres.  Good enough for integration tests.
  cat >"$r/etc/notary/server-config.json" <<'JSON'
{
  "server": { "http_addr": ":4443" },
  "trust_service": { "type": "local" },
  "storage": { "backend": "memory" },
  "logging": { "level": "info" }
}
JSON
  import "$r" "$PREFIX/notary-server:0.7.0" \
    'EXPOSE 4443' \
    'CMD ["/usr/bin/notary-server","-config","/etc/notary/server-config.json"]'
}

# For docker-compose.yml offline: notary-signer with no config of its own (compose mounts one).
build_notary_signer() {
  local r="$WORK/notary-signer"; skeleton "$r"
  add_bin "$r" /usr/bin/notary-signer
  import "$r" "$PREFIX/notary-signer:0.7.0" \
    'EXPOSE 7899' \
    'CMD ["/usr/bin/notary-signer","-config","/etc/notary/signer.json"]'
}

build_ryuk() {
  local r="$WORK/ryuk"; skeleton "$r"
  add_bin "$r" "$(readlink -f "$(command -v node)")"
  [ -e "$r/usr/bin/node" ] || { mkdir -p "$r/usr/bin"; ln -sf "$(readlink -f "$(command -v node)")" "$r/usr/bin/node"; }
  install -m644 "$HERE/ryuk.js" "$r/ryuk.js"
  import "$r" "$PREFIX/ryuk:node" 'EXPOSE 8080' 'LABEL org.testcontainers.ryuk=true' 'CMD ["/usr/bin/node","/ryuk.js"]'
}

# The Dockerfile's base image, without Docker Hub: see the header.
build_node() {
  local r="$WORK/node" cache="${REGOPS_TEST_CACHE:-/var/cache/regops-test}" node_bin npm_tgz
  # Node 24 first: the most likely thing to fail (npm registry), before the big rootfs work
  node_bin="$("$HERE/../bootstrap" --node24)"
  rm -rf "$r"; mkdir -p "$r"
  if [ -s "$cache/bookworm-minbase.tar.gz" ]; then
    tar --numeric-owner -C "$r" -xzf "$cache/bookworm-minbase.tar.gz"
  else
    need debootstrap debootstrap
    [ "$(id -u)" = 0 ] || { echo "node: debootstrap needs root (or a cached $cache/bookworm-minbase.tar.gz)" >&2; exit 1; }
    debootstrap --variant=minbase bookworm "$r" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2
    rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*
  fi
  install -D -m755 "$node_bin" "$r/usr/local/bin/node"
  # npm is not in node@24's package; npm@11 (what Node 24 bundles) is, with its dependencies inside
  npm_tgz="$(cd "$WORK" && npm pack --silent npm@11 | tail -1)"
  mkdir -p "$r/usr/local/lib/node_modules/npm"
  tar -C "$r/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner -xzf "$WORK/$npm_tgz"
  rm -f "$WORK/$npm_tgz"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/local/bin/npx"
  # npm's global config ($PREFIX/etc/npmrc): no "new major version" notice in every build log
  install -D -m644 /dev/stdin "$r/usr/local/etc/npmrc" <<<'update-notifier=false'
  # the official image's user, which the Dockerfile's `USER node` and `chown node:node` name
  grep -q '^node:' "$r/etc/passwd" || echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$r/etc/passwd"
  grep -q '^node:' "$r/etc/group" || echo 'node:x:1000:' >>"$r/etc/group"
  install -d -o 1000 -g 1000 "$r/home/node"
  # The host's CA bundle, as every image here gets (skeleton): where HTTPS goes through a
  # TLS-inspecting proxy (this CI machine's), node's built-in CAs alone fail npm ci with
  # SELF_SIGNED_CERT_IN_CHAIN. A file of its own, not /etc/ssl/certs: the Dockerfile's
  # `apt-get install ca-certificates` regenerates that one from Debian's list.
  install -D -m644 /etc/ssl/certs/ca-certificates.crt "$r/usr/local/share/host-ca/ca-certificates.crt"
  rm -rf "${r:?}"/dev/* "${r:?}"/proc/* "${r:?}"/sys/*
  import "$r" "$PREFIX/node:24-bookworm" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "ENV NODE_VERSION=$("$node_bin" --version | sed 's/^v//')" \
    'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/host-ca/ca-certificates.crt' \
    'CMD ["node"]'
  rm -rf "$r"
}

t0=$(date +%s%N)
for what in $ONLY; do
  case "$what" in
    busybox) build_busybox ;;
    redis) build_redis ;;
    registry) build_registry ;;
    notary) build_notary ;;
    notary-signer) build_notary_signer ;;
    ryuk) build_ryuk ;;
    node) build_node ;;
    *) echo "unknown image: $what" >&2; exit 2 ;;
  esac
  if [ "${HUB_TAGS:-0}" = 1 ]; then
    case "$what" in
      busybox) docker tag "$PREFIX/busybox:1.35" busybox:1.35 ;;
      redis) docker tag "$PREFIX/redis:7.0.15" redis:7.0.15 ;;
      registry) docker tag "$PREFIX/registry:2.8.2" registry:2.8.2 ;;
      ryuk) docker tag "$PREFIX/ryuk:node" testcontainers/ryuk:0.14.0 ;;
      node) docker tag "$PREFIX/node:24-bookworm" node:24-bookworm-slim ;;
    esac
  fi
done
echo "build-local-images: $ONLY in $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&2
