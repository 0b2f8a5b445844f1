#!/usr/bin/env bash
# start-dockerd.sh — make sure a Docker daemon answers, for CI and local test runs
# on Debian 12 (docker.io 20.10 from the Debian archive; no Docker Hub needed).
# Adapted from shared/recipes/scripts/start-dockerd.sh (see shared/recipes/real-stack.md §3);
# scripts/bootstrap calls it.  Changes: DOCKERD_QUIET.
#
#  * if a daemon already answers at the socket: reuse it, start nothing;
#  * else install docker.io if dockerd is missing, pick a storage driver
#    (overlay2 if an overlay mount works on the data-root's filesystem, else vfs),
#    start dockerd in the background and wait until it answers (~0.3 s);
#    if overlay2 fails to come up, retry once with vfs.
#
# Knobs (env):  DOCKERD_SOCK        socket path   (default: the path in DOCKER_HOST if it
#                                   is unix://..., else /var/run/docker.sock)
#               DOCKERD_DATA_ROOT   /var/lib/docker
#               DOCKERD_EXEC_ROOT   /var/run/docker
#               DOCKERD_PIDFILE     $DOCKERD_EXEC_ROOT.pid  (= /var/run/docker.pid)
#               DOCKERD_LOG         /tmp/dockerd.log
#               DOCKERD_STORAGE_DRIVER  auto | overlay2 | vfs   (auto)
#               DOCKERD_EXTRA_ARGS  extra dockerd flags, e.g. for a SECOND daemon next to
#                                   a running one: "--bridge=mybr0 --iptables=false
#                                   --ip6tables=false --ip-masq=false" (create mybr0 first).
#                                   NEVER "--bridge=none": dockerd then deletes the host's
#                                   docker0 and breaks the other daemon's default network.
#               DOCKERD_TIMEOUT     seconds to wait for the API (60)
#               DOCKERD_QUIET       1 = say nothing when a running daemon is reused
# A second daemon on the same host needs its own DOCKERD_SOCK, DOCKERD_PIDFILE,
# DOCKERD_DATA_ROOT and DOCKERD_EXEC_ROOT (dockerd creates and bind-mounts its data-root
# BEFORE it checks the pidfile, so a forgotten --pidfile leaves a stray mount behind).
#
# Usage:  eval "$(scripts/lib/start-dockerd.sh --env)"   # also exports DOCKER_HOST
# Run as root.  To stop a daemon YOU started: shared/recipes/scripts/stop-dockerd.sh (same env);
# never stop a daemon that others use (e.g. the one at /var/run/docker.sock on a shared machine).
set -euo pipefail

if [ -n "${DOCKERD_SOCK:-}" ]; then SOCK="$DOCKERD_SOCK"
elif [[ "${DOCKER_HOST:-}" == unix://* ]]; then SOCK="${DOCKER_HOST#unix://}"
else SOCK=/var/run/docker.sock; fi
DATA="${DOCKERD_DATA_ROOT:-/var/lib/docker}"
EXEC="${DOCKERD_EXEC_ROOT:-/var/run/docker}"
PIDF="${DOCKERD_PIDFILE:-$EXEC.pid}"
LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
DRIVER="${DOCKERD_STORAGE_DRIVER:-auto}"
TIMEOUT="${DOCKERD_TIMEOUT:-60}"
# shellcheck disable=SC2206
EXTRA=(${DOCKERD_EXTRA_ARGS:-})
export DOCKER_HOST="unix://$SOCK"

say() { echo "start-dockerd: $*" >&2; }
emit() { if [ "${1:-}" = "--env" ]; then echo "export DOCKER_HOST=$DOCKER_HOST"; fi; }

if docker version >/dev/null 2>&1; then
  [ "${DOCKERD_QUIET:-0}" = 1 ] || say "a daemon already answers at $DOCKER_HOST: reused"
  emit "${1:-}"; exit 0
fi

# Refuse early if another live process owns the pidfile (see the note above).
if [ -s "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; then
  say "pidfile $PIDF belongs to running pid $(cat "$PIDF") but nothing answers at $DOCKER_HOST;"
  say "set DOCKERD_SOCK/DOCKERD_PIDFILE/DOCKERD_DATA_ROOT/DOCKERD_EXEC_ROOT for a second daemon"
  exit 1
fi

if ! command -v dockerd >/dev/null; then
  say "installing docker.io (dockerd, containerd, runc, docker-proxy, tini, docker CLI 20.10)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  # docker.io's postinst may have started the packaged daemon at /var/run/docker.sock
  if docker version >/dev/null 2>&1; then
    say "the packaged daemon answers at $DOCKER_HOST: reused"; emit "${1:-}"; exit 0
  fi
fi

overlay_ok() { # can we mount overlayfs on the filesystem that will hold $DATA ?
  local base t; base="$DATA"; while [ ! -d "$base" ]; do base="$(dirname "$base")"; done
  t="$(mktemp -d "$base/.ovlprobe.XXXX")"
  mkdir -p "$t"/{l,u,w,m}; echo x >"$t/l/f"
  if mount -t overlay overlay -o "lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m" 2>/dev/null; then
    echo y >>"$t/m/f" 2>/dev/null; umount "$t/m"; rm -rf "$t"; return 0
  fi
  rm -rf "$t"; return 1
}
if [ "$DRIVER" = auto ]; then
  if overlay_ok; then DRIVER=overlay2; else DRIVER=vfs; fi
fi

start() { # $1 = storage driver; prints the pid
  mkdir -p "$DATA" "$EXEC" "$(dirname "$SOCK")" "$(dirname "$PIDF")"
  # setsid + nohup: the daemon outlives the CI step's shell; stdin from /dev/null
  setsid nohup dockerd --storage-driver="$1" --data-root="$DATA" --exec-root="$EXEC" \
    --pidfile="$PIDF" -H "unix://$SOCK" "${EXTRA[@]}" </dev/null >>"$LOG" 2>&1 &
  local pid=$! i
  for ((i = 0; i < TIMEOUT * 5; i++)); do
    if docker version >/dev/null 2>&1; then echo "$pid"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  return 1
}

t0=$(date +%s%N)
if ! pid=$(start "$DRIVER"); then
  say "dockerd with --storage-driver=$DRIVER did not come up; last log lines:"; tail -n 15 "$LOG" >&2
  if [ "$DRIVER" != vfs ]; then
    say "retrying with vfs"; DRIVER=vfs
    pid=$(start vfs) || { tail -n 15 "$LOG" >&2; exit 1; }
  else
    exit 1
  fi
fi
say "dockerd pid $pid, storage driver $DRIVER, up in $(( ($(date +%s%N) - t0) / 1000000 )) ms, log $LOG"
emit "${1:-}"
