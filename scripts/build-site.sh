#!/usr/bin/env bash
# npm run build:site [-- out]: the page as a static folder (default site/) for any static host
# (scripts/build-site.mjs says what is in it). Installs what building needs (scripts/bootstrap.sh
# start) and builds dist/ first when it is missing or older than its sources.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh start
if [ -n "$(bash scripts/dist-stale.sh)" ]; then
  bash scripts/build-wasm.sh
fi
node scripts/build-site.mjs "$@"
