#!/usr/bin/env bash
# Builds the wasm module with Emscripten and assembles the package folder dist/:
#   dist/attention_wasm.mjs + .wasm      the Embind module (ES module glue, browsers and bundlers)
#   dist/attention_wasm_mt.mjs + .wasm + .worker.js   the threaded build, for init({ threads })
#   dist/node/attention_wasm_mt.js + .worker.js       the threaded build's Node.js glue (CommonJS,
#                                        hence dist/node/package.json); it uses dist/attention_wasm_mt.wasm
#   dist/index.js (browsers, bundlers), dist/index.node.js (Node.js), the modules they import, index.d.ts
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's emscripten runs Node tools that need acorn from Debian's node modules.
export NODE_PATH=/usr/share/nodejs
# WASM_BUILD_DIR / DIST_DIR let a second checkout or a benchmark build elsewhere.
build=${WASM_BUILD_DIR:-build/wasm}
dist=${DIST_DIR:-dist}
emcmake cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" --target attention_wasm attention_wasm_mt attention_wasm_mt_node -j"$(nproc)"
# One .wasm serves both glues of the threaded build: only their JavaScript differs.
if ! cmp -s "$build/attention_wasm_mt.wasm" "$build/node/attention_wasm_mt.wasm"; then
  echo "build-wasm: $build/node/attention_wasm_mt.wasm differs from $build/attention_wasm_mt.wasm; the package ships one" >&2
  exit 1
fi
# Only the files this script writes (DIST_DIR may name any folder).
rm -f "$dist"/*.js "$dist"/*.mjs "$dist"/*.wasm "$dist"/*.d.ts
rm -rf "$dist/node"
mkdir -p "$dist/node"
cp "$build/attention_wasm.mjs" "$build/attention_wasm.wasm" "$dist/"
cp "$build/attention_wasm_mt.mjs" "$build/attention_wasm_mt.wasm" "$build/attention_wasm_mt.worker.js" "$dist/"
node scripts/patch-worker.mjs "$dist/attention_wasm_mt.worker.js"
cp "$build/node/attention_wasm_mt.js" "$build/node/attention_wasm_mt.worker.js" "$dist/node/"
echo '{ "type": "commonjs" }' > "$dist/node/package.json"
cp src/js/*.js src/js/index.d.ts "$dist/"
echo "$dist/: $(du -sh "$dist" | cut -f1) ($(stat -c %s "$dist/attention_wasm.wasm") bytes of wasm)"
