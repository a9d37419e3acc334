#!/usr/bin/env bash
# Builds the wasm module with Emscripten and assembles the package folder dist/:
#   dist/attention_wasm.mjs + .wasm (the Embind module), dist/index.js + index.d.ts (the API).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's emscripten runs Node tools that need acorn from Debian's node modules.
export NODE_PATH=/usr/share/nodejs
emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/wasm --target attention_wasm -j"$(nproc)"
mkdir -p dist
cp build/wasm/attention_wasm.mjs build/wasm/attention_wasm.wasm dist/
cp src/js/index.js src/js/index.d.ts dist/
echo "dist/: $(du -sh dist | cut -f1) ($(stat -c %s dist/attention_wasm.wasm) bytes of wasm)"
