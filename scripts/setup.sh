#!/usr/bin/env bash
# Installs whatever is missing for Tooncast to run and be tested: apt packages, npm packages, built models.
# Idempotent: a second run does nothing but checks. Run as root on Debian/Ubuntu.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip # its postinstall would reach the internet; the CPU binary is bundled

APT_PACKAGES=(janus redis-server chromium iproute2)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing apt packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Install when node_modules is absent or older than the lockfile. `npm install` rather than `npm ci`: `npm ci` fails
# whenever the lockfile lacks another platform's optional binary (biome, turbo), which some registries do not serve;
# `npm install` still installs exactly the locked versions.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi

node --import tsx packages/models/src/build.ts >&2
