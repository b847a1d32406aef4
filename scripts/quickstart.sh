#!/usr/bin/env bash
# One command on a fresh machine: installs everything, builds jfleet, and runs its main job
# against the embedded default: a local simulated fleet and a local central API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
# npm install, not npm ci: vite 8 names an optional Windows-only package the registry does not serve,
# which npm ci counts as a lock file out of sync. npm install still installs the locked versions.
npm install --no-audit --no-fund
npm run build
exec ./bin/jfleet.js demo "$@"
