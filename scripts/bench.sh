#!/usr/bin/env bash
# npm run bench: this package against onnxruntime-web, tfjs-wasm, plain JS and our kernels built
# natively, in Node and in headless Chromium, side by side in one run; then the merged table
# (bench/results.md) and chart (bench/chart.svg). Arguments go to both runners, e.g.
#   npm run bench -- --quick
#   npm run bench -- --workloads gpt2 --peers ours,onnxruntime,tfjs
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh test
if [ ! -d bench/node_modules ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
fi
bash scripts/build-wasm.sh
bash scripts/build-native.sh >/dev/null   # build/native/bench_kernels, the "native" peer
node bench/run.mjs "$@"
node bench/long-context.mjs    # T = 16,384 without a trace: time and wasm heap
node bench/browser.mjs "$@"
node bench/report.mjs
# The threaded build (2 threads) against the single-thread one, side by side in Node.js and in
# Chromium; it takes only --quick (B = 1 alone) of the arguments above.
quick=()
for a in "$@"; do [ "$a" = --quick ] && quick=(--quick); done
node bench/threads.mjs "${quick[@]}"
