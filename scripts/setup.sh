#!/usr/bin/env bash
# Installs everything the service needs on this machine: the Debian packages of the embedded
# engines, the npm packages and the shopping language model built from them. Idempotent and quick when nothing is missing.
#   scripts/setup.sh          runtime only (npm run up)
#   scripts/setup.sh --test   plus what the tests need (npm test)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

groups=(runtime build)
[[ "${1:-}" == "--test" ]] && groups+=(test)
bash scripts/install-debian-packages.sh "${groups[@]}"

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "npm packages: installing (npm ci)"
  npm ci --no-audit --no-fund
else
  echo "npm packages: up to date"
fi

# The shopping language model (POCKETSPHINX_SHOPPING_LM's default): built when missing or older
# than the code and taxonomy it comes from (~10 s).
lm=models/speech/en-us-shopping.lm.bin
if [ ! -f "${lm}" ] || [ -n "$(find src/transcription/shopping-lm src/attributes/taxonomy -name '*.ts' ! -name '*.spec.ts' -newer "${lm}" | head -1)" ]; then
  echo "shopping language model: building (npm run build:shopping-lm)"
  npm run -s build:shopping-lm
else
  echo "shopping language model: up to date"
fi
