#!/usr/bin/env bash
# bootstrap.sh [start|test]: installs what is missing on Debian 12, says what it installs, and
# installs nothing that is already there.
#   start  what building the wasm package and serving the page need (npm start, npm run build,
#          npm run build:site):
#            apt: emscripten, cmake, make, the xtensor/xtl/xsimd headers
#            npm: web-deps/ (the page's d3 modules) and the package's own dependency (js-tiktoken,
#                 which the page serves to getEncoding): npm ci --omit=dev at the root
#   test   (the default) all of that, and what the test suites need (npm test, npm run bench):
#            apt: g++, Catch2 v2, clang-14 + its sanitizer runtime (ASan/UBSan, the fuzzer), chromium
#            npm: the root devDependencies (playwright-core, typescript, the d3 modules the browser tests import)
#          (the bundler suite's and the benchmark's packages have their own locks, in
#          tests/bundlers/ and bench/, installed by scripts/test.sh and scripts/bench.sh)
# npm packages come from the committed lock files (npm ci), when node_modules is missing or older
# than the lock, and always under CI. As root it installs the apt packages itself; otherwise it
# prints the exact sudo line and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-test}
START_APT=(emscripten cmake make libxtensor-dev xtl-dev libxsimd-dev)
TEST_APT=(g++ catch2 chromium clang-14 libclang-rt-14-dev)
case "$mode" in
  start) apt_packages=("${START_APT[@]}"); npm_dirs=(web-deps .) ;;
  test) apt_packages=("${START_APT[@]}" "${TEST_APT[@]}"); npm_dirs=(. web-deps) ;;
  *) echo "usage: bash scripts/bootstrap.sh [start|test]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node may come from elsewhere (NodeSource bundles npm): ask for the commands, not the packages.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "bootstrap ($mode): apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap ($mode): missing Debian packages. Run:"
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
else
  echo "bootstrap ($mode): the Debian packages are there (${apt_packages[*]})"
fi

for dir in "${npm_dirs[@]}"; do
  # start needs only the root's runtime dependencies; test needs its dev dependencies too.
  omit=()
  [ "$mode" = start ] && [ "$dir" = . ] && omit=(--omit=dev)
  names=$(node -e 'const p = require(process.argv[1]); console.log(Object.keys({ ...p.dependencies, ...(process.argv[2] ? {} : p.devDependencies) }).join(", "))' "$PWD/$dir/package.json" "${omit[*]}")
  absent=$(node -e 'const fs = require("fs"); console.log(process.argv.slice(2).filter((n) => !fs.existsSync(`${process.argv[1]}/node_modules/${n}/package.json`)).join(" "))' "$PWD/$dir" ${names//,/})
  if [ -n "${CI:-}" ] || [ -n "$absent" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "bootstrap ($mode): npm ci ${omit[*]:+${omit[*]} }in ${dir/#./the repository root} ($names)"
    npm ci --prefix "$dir" "${omit[@]}" --no-audit --no-fund --loglevel=error
  fi
done
