#!/usr/bin/env bash
# npm run fuzz [-- seconds [libFuzzer flags...]]: builds the libFuzzer target over the C++ core
# (tests/fuzz/fuzz_core.cpp, clang++-14 with -fsanitize=fuzzer,address,undefined, CMake option
# ATTN_FUZZ in build/fuzz) and runs it for `seconds` (default 60) on one core. Not part of CI.
#
#   tests/fuzz/corpus   the committed, minimised seed corpus (read only here)
#   build/fuzz/corpus   what this machine found since (new units go there)
#   build/fuzz/crashes  crash-*, oom-*, timeout-* reproducers; replay one with
#                       build/fuzz/fuzz_core build/fuzz/crashes/crash-...
#
# scripts/fuzz.sh 600 -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1
#                                   ten minutes in one child process, going on after findings
#                                   (each still leaves its reproducer in build/fuzz/crashes)
# ATTN_FUZZ_SKIP_KNOWN=1            skips inputs that reach a known, reported finding
# FUZZ_MERGE=1 scripts/fuzz.sh      minimises both corpora back into tests/fuzz/corpus instead.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true

CXX_FUZZ=${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++ || true)}
if [ -z "$CXX_FUZZ" ]; then
  echo "fuzz: clang++ (14) not found; run scripts/bootstrap.sh" >&2
  exit 1
fi

dir=build/fuzz
# FUZZ_CXXFLAGS: extra compiler flags, e.g. -fsanitize-ignorelist=<file> to look past a known
# finding while it is being fixed (an empty value resets them).
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DATTN_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="${FUZZ_CXXFLAGS:-}" >/dev/null
cmake --build "$dir" --target fuzz_core -j"${FUZZ_BUILD_JOBS:-$(nproc)}"
mkdir -p "$dir/corpus" "$dir/crashes" tests/fuzz/corpus

# The harness limits the core to 16 MiB per tensor (attn::set_memory_limit), so a single
# allocation beyond 64 MiB means a size check was missed: -malloc_limit_mb reports it.
flags=(-timeout=20 -rss_limit_mb=3072 -malloc_limit_mb=64 -max_len=512 -print_final_stats=1
       -artifact_prefix="$PWD/$dir/crashes/")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ "${FUZZ_MERGE:-0}" = 1 ]; then
  # libFuzzer's merge keeps every input that adds a feature (over a thousand here); of those,
  # keep at most FUZZ_CORPUS_MAX (200), chosen greedily for new edges, then new features.
  tmp=$(mktemp -d "$PWD/$dir/merge.XXXX")
  mkdir -p "$tmp/merged"
  "$dir/fuzz_core" -merge=1 -merge_control_file="$tmp/control" "${flags[@]}" "$tmp/merged" tests/fuzz/corpus "$dir/corpus" \
    2>"$tmp/log" || { tail -30 "$tmp/log"; exit 1; }
  mkdir -p "$tmp/keep"
  node - "$tmp/control" "${FUZZ_CORPUS_MAX:-200}" <<'NODE' | while read -r f; do cp "$f" "$tmp/keep/"; done
const [control, max] = [process.argv[2], Number(process.argv[3])];
const lines = require('fs').readFileSync(control, 'utf8').split('\n');
const n = Number(lines[0]);
const files = lines.slice(2, 2 + n);
const cov = new Map(), ft = new Map();
for (const line of lines.slice(2 + n)) {
  const [tag, idx, ...rest] = line.split(' ');
  if (tag === 'COV') cov.set(Number(idx), rest.map(Number));
  if (tag === 'FT') ft.set(Number(idx), rest.map(Number));
}
const haveCov = new Set(), haveFt = new Set(), left = new Set(cov.keys());
const gain = (i) => [cov.get(i).filter((e) => !haveCov.has(e)).length, (ft.get(i) ?? []).filter((f) => !haveFt.has(f)).length];
for (let k = 0; k < max; k++) {
  let best = -1, bestGain = [0, 0];
  for (const i of left) {
    const g = gain(i);
    if (g[0] > bestGain[0] || (g[0] === bestGain[0] && g[1] > bestGain[1])) [best, bestGain] = [i, g];
  }
  if (best < 0) break;
  left.delete(best);
  cov.get(best).forEach((e) => haveCov.add(e));
  (ft.get(best) ?? []).forEach((f) => haveFt.add(f));
  console.log(files[best]);
}
const allCov = new Set([...cov.values()].flat());
console.error(`fuzz: kept ${cov.size - left.size} of ${cov.size} inputs, covering ${haveCov.size} of ${allCov.size} edges`);
NODE
  rm -f tests/fuzz/corpus/*
  cp "$tmp/keep"/* tests/fuzz/corpus/ 2>/dev/null || true
  rm -rf "$tmp"
  echo "fuzz: tests/fuzz/corpus now holds $(ls tests/fuzz/corpus | wc -l) files, $(cat tests/fuzz/corpus/* | wc -c) bytes"
  exit 0
fi

echo "fuzz: running $dir/fuzz_core for ${seconds}s"
# From $dir, so that -jobs=N / -fork=N write their logs and temporary files there.
root=$(pwd)
cd "$dir"
exec ./fuzz_core -max_total_time="$seconds" "${flags[@]}" "$@" "$root/$dir/corpus" "$root/tests/fuzz/corpus"
