#!/usr/bin/env bash
# Installs everything the service needs on this machine: the Debian packages of the embedded
# engines and the npm packages. Idempotent and quick when nothing is missing.
#   scripts/setup.sh          runtime only (npm run up)
#   scripts/setup.sh --test   plus what the tests need (npm test)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

groups=(runtime)
[[ "${1:-}" == "--test" ]] && groups+=(test)
bash scripts/install-debian-packages.sh "${groups[@]}"

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "npm packages: installing (npm ci)"
  npm ci --no-audit --no-fund
else
  echo "npm packages: up to date"
fi
