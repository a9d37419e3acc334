#!/usr/bin/env bash
# npm test: installs what is missing, builds, and runs every suite:
#   native  Catch2 through CTest (tests/native), then again built with ASan + UBSan (build/asan)
#   js      node --test on the packed tarball (tests/js)
#   browser playwright-core + Debian's chromium on the served page (tests/browser)
#   bundlers the packed tarball built by Vite, esbuild and webpack 5, run in Chromium (tests/bundlers)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh test
if [ -n "${CI:-}" ] || [ ! -d tests/bundlers/node_modules ] || [ tests/bundlers/package-lock.json -nt tests/bundlers/node_modules/.package-lock.json ]; then
  echo "test: npm ci in tests/bundlers (vite, esbuild, webpack)"
  npm ci --prefix tests/bundlers --no-audit --no-fund --loglevel=error
fi

echo "== native build and CTest"
bash scripts/build-native.sh
(cd build/native && ctest --output-on-failure -j"$(nproc)")

echo "== native ASan + UBSan build and CTest (build/asan)"
# The same Catch2 suite under -fsanitize=address,undefined (-O1 -g, CMake's ATTN_SANITIZE): any
# report aborts its test. clang when present: its UBSan also checks float-to-int overflow and
# arithmetic on null pointers (empty tensors), which GCC's does not. Only the test binary is
# built, to keep this step short.
asan_cxx=$(command -v clang++-14 || command -v c++)
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Release -DATTN_SANITIZE=ON -DCMAKE_CXX_COMPILER="$asan_cxx" >/dev/null
cmake --build build/asan --target attn_tests -j"$(nproc)"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$(nproc)")

echo "== wasm build"
bash scripts/build-wasm.sh

if compgen -G "tests/js/*.test.mjs" >/dev/null; then
  echo "== JS suite (node --test)"
  node --test --test-concurrency=1 tests/js/
fi

if compgen -G "tests/browser/*.test.mjs" >/dev/null; then
  echo "== browser suite (node --test, headless chromium)"
  node --test --test-concurrency=1 tests/browser/
fi

echo "== bundler suite (node --test: Vite, esbuild, webpack 5 in headless chromium)"
node --test --test-concurrency=1 tests/bundlers/
