#!/usr/bin/env bash
# Prints why dist/ must be (re)built — a file missing, or a source newer than it — or nothing when
# it is up to date. Used by npm start and npm run build:site.
set -euo pipefail
cd "$(dirname "$0")/.."
for f in dist/index.js dist/attention_wasm.mjs dist/attention_wasm.wasm dist/attention_wasm_mt.worker.js dist/node/attention_wasm_mt.js; do
  if [ ! -f "$f" ]; then
    echo "dist/ is missing $f"
    exit 0
  fi
done
newer=$(find src CMakeLists.txt scripts/build-wasm.sh scripts/patch-worker.mjs -newer dist/attention_wasm.wasm -type f -print -quit)
[ -z "$newer" ] || echo "$newer is newer than dist/"
