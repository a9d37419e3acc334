#!/usr/bin/env bash
# Builds the wasm module with Emscripten and assembles the package folder dist/:
#   dist/attention_wasm.mjs + .wasm (the Embind module), dist/index.js and the modules it imports + index.d.ts (the API),
#   dist/attention_wasm_mt.mjs + .wasm + .worker.js (the threaded build, for init({ threads })).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's emscripten runs Node tools that need acorn from Debian's node modules.
export NODE_PATH=/usr/share/nodejs
# WASM_BUILD_DIR / DIST_DIR let a second checkout or a benchmark build elsewhere.
build=${WASM_BUILD_DIR:-build/wasm}
dist=${DIST_DIR:-dist}
emcmake cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" --target attention_wasm attention_wasm_mt -j"$(nproc)"
mkdir -p "$dist"
cp "$build/attention_wasm.mjs" "$build/attention_wasm.wasm" "$dist/"
cp "$build/attention_wasm_mt.mjs" "$build/attention_wasm_mt.wasm" "$build/attention_wasm_mt.worker.js" "$dist/"
cp src/js/*.js src/js/index.d.ts "$dist/"
echo "$dist/: $(du -sh "$dist" | cut -f1) ($(stat -c %s "$dist/attention_wasm.wasm") bytes of wasm)"
