#!/usr/bin/env bash
# Brings up the whole live service (Redis, Janus, sfu, inference, web) and prints the URL.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node --import tsx scripts/services/start.ts "$@"
