#!/usr/bin/env bash
# Installs what the build and the tests need on Debian 12, and nothing that is already there:
#   apt: emscripten, xtensor/xtl/xsimd headers, Catch2 v2, cmake, g++, clang (sanitizers, fuzzer), chromium
#   npm: the locked dev dependencies (npm ci), when node_modules is missing or older than the lock
#        (the benchmark's peers have their own lock in bench/, installed by scripts/bench.sh)
# As root it installs the apt packages itself; otherwise it prints the exact sudo line and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(cmake g++ make emscripten libxtensor-dev xtl-dev libxsimd-dev catch2 chromium
              clang-14 libclang-rt-14-dev)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node may come from elsewhere (NodeSource bundles npm): ask for the commands, not the packages.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing Debian packages. Run:"
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

# npm ci from the committed lock file (CI always; locally when node_modules is missing or stale).
if [ -n "${CI:-}" ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
