#!/usr/bin/env bash
# npm run soak [-- calls [seed]]: a million (default) forward calls through the public JS API,
# valid and invalid input mixed, modules freed and garbage collected; checks that the wasm heap
# comes back to where it started and that the book's MultiHeadAttention does not drift
# (scripts/soak.mjs). Builds dist/ first if it is missing. Not part of npm test (a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/index.js ] || [ ! -f dist/attention_wasm.wasm ]; then
  bash scripts/build-wasm.sh
fi
exec node --expose-gc scripts/soak.mjs "$@"
