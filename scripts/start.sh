#!/usr/bin/env bash
# npm start: serves the page on http://localhost:${PORT:-8080}, after installing what is missing
# (scripts/bootstrap.sh: the npm dependencies, and Emscripten when dist/ has to be built) and
# building the package into dist/ when it is missing or older than its sources.
set -euo pipefail
cd "$(dirname "$0")/.."

stale=""
for f in dist/index.js dist/attention_wasm.mjs dist/attention_wasm.wasm; do
  [ -f "$f" ] || stale="dist/ is missing $f"
done
if [ -z "$stale" ]; then
  newer=$(find src CMakeLists.txt scripts/build-wasm.sh -newer dist/attention_wasm.wasm -type f -print -quit)
  [ -z "$newer" ] || stale="$newer is newer than dist/"
fi

# Nothing to install when the dependencies are in place and nothing has to be built.
if [ -n "$stale" ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  bash scripts/bootstrap.sh
fi
if [ -n "$stale" ]; then
  echo "start: building the wasm package ($stale)"
  bash scripts/build-wasm.sh
fi

exec node scripts/serve.mjs
