#!/usr/bin/env bash
# The native build: core library, Catch2 suite, native kernel benchmark. BUILD_DIR and extra
# cmake arguments may be given, e.g. BUILD_DIR=build/asan scripts/build-native.sh -DATTN_SANITIZE=ON
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build/native}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
