#!/usr/bin/env bash
# Runs a command inside a fresh private network namespace with a veth pair carrying a private address
# (Janus ignores loopback for ICE, so media needs a real interface; nothing in the namespace reaches outside).
# Usage: scripts/services/netns.sh [--addr 10.99.0.1/24] -- command args...
# It also gets its own PID namespace (with its own /proc, so thread ids read there are the ones the kernel takes
# from inside), so every process started inside is killed when the command exits.
# TOONCAST_LIVE_HOST tells the services which address to advertise.
set -euo pipefail
addr=10.99.0.1/24
while (($#)); do
  case "$1" in
    --addr) addr="$2"; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
(($#)) || { echo "usage: $0 [--addr CIDR] -- command..." >&2; exit 2; }
if [[ "${TOONCAST_IN_NETNS:-}" == 1 ]]; then exec "$@"; fi
exec unshare --net --pid --fork --kill-child --mount-proc -- env TOONCAST_IN_NETNS=1 TOONCAST_LIVE_HOST="${addr%/*}" bash -c '
  set -e
  ip link set lo up
  ip link add tc0 type veth peer name tc1
  ip addr add "$0" dev tc0
  ip link set tc0 up
  ip link set tc1 up
  exec "$@"
' "$addr" "$@"
