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
  tmp=$(mktemp -d "$dir/merge.XXXX")
  "$dir/fuzz_core" -merge=1 "${flags[@]}" "$tmp" tests/fuzz/corpus "$dir/corpus"
  rm -f tests/fuzz/corpus/*
  cp "$tmp"/* tests/fuzz/corpus/ 2>/dev/null || true
  rm -rf "$tmp"
  echo "fuzz: tests/fuzz/corpus now holds $(ls tests/fuzz/corpus | wc -l) files, $(du -sh tests/fuzz/corpus | cut -f1)"
  exit 0
fi

echo "fuzz: running $dir/fuzz_core for ${seconds}s"
# From $dir, so that -jobs=N / -fork=N write their logs and temporary files there.
root=$(pwd)
cd "$dir"
exec ./fuzz_core -max_total_time="$seconds" "${flags[@]}" "$@" "$root/$dir/corpus" "$root/tests/fuzz/corpus"
