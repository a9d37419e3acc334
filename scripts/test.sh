#!/usr/bin/env bash
# npm test: installs what is missing, builds, and runs every suite:
#   native  Catch2 through CTest (tests/native)
#   js      node --test on the packed tarball (tests/js)
#   browser playwright-core + Debian's chromium on the served page (tests/browser)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

echo "== native build and CTest"
bash scripts/build-native.sh
(cd build/native && ctest --output-on-failure -j"$(nproc)")

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
