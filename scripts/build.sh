#!/usr/bin/env bash
# npm run build: the wasm module and the JS API into dist/ (what the package exports).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh start
bash scripts/build-wasm.sh
