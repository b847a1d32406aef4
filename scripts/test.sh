#!/usr/bin/env bash
# Installs what the tests need (system packages, npm packages), builds, and runs every test:
# unit, CLI (spawning the built binary) and lab (real sshd devices on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
npm run typecheck
npm test
