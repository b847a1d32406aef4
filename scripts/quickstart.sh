#!/usr/bin/env bash
# One command on a fresh machine: installs everything, builds jfleet, and runs its main job
# against the embedded default: a local simulated fleet and a local central API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh

npm ci --no-audit --no-fund
npm run build
exec ./bin/jfleet.js demo "$@"
