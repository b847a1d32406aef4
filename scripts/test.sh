#!/usr/bin/env bash
# Installs what the tests need (system packages, npm packages), builds, and runs every test:
# unit, CLI (spawning the built binary) and lab (real sshd devices on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
# npm install, not npm ci: vite 8 names an optional Windows-only package the registry does not serve,
# which npm ci counts as a lock file out of sync. npm install still installs the locked versions.
npm install --no-audit --no-fund
npm run typecheck
npm test
