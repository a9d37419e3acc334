#!/usr/bin/env bash
# npm start: installs what is missing, builds the package into dist/ when it is missing or older
# than its sources, and serves the page on http://localhost:${PORT:-8080}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

stale=""
for f in dist/index.js dist/attention_wasm.mjs dist/attention_wasm.wasm; do
  [ -f "$f" ] || stale="dist/ is missing $f"
done
if [ -z "$stale" ]; then
  newer=$(find src CMakeLists.txt scripts/build-wasm.sh -newer dist/attention_wasm.wasm -type f -print -quit)
  [ -z "$newer" ] || stale="$newer is newer than dist/"
fi
if [ -n "$stale" ]; then
  echo "start: building the wasm package ($stale)"
  bash scripts/build-wasm.sh
fi

exec node scripts/serve.mjs
