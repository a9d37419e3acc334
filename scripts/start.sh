#!/usr/bin/env bash
# npm start: serves the page on http://localhost:${PORT:-8080}, after installing what building and
# serving need and nothing else (scripts/bootstrap.sh start: Emscripten, CMake, the header-only
# libraries, the page's d3 modules) and building the package into dist/ when it is missing or
# older than its sources.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh start
stale=$(bash scripts/dist-stale.sh)
if [ -n "$stale" ]; then
  echo "start: building the wasm package ($stale)"
  bash scripts/build-wasm.sh
fi
exec node scripts/serve.mjs
