#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (own build folder, sanitizers on, no tests) and fuzzes each
# in turn, merging new interesting inputs into the kept corpus tests/fuzz_corpus/<target>/ (replayed by
# the ordinary test suite). One fuzzer at a time, one job: the machine is shared.
#
# Usage: scripts/fuzz.sh [--ci] [seconds per target, default 60] [max executions per target, default 0 = no limit]
#                        [target ...; default: every target fuzz/CMakeLists.txt declares]
# --ci: the check CI runs, proving the targets build and run: the kept corpus is left as it is, and the
# random seed is fixed, so every run of a commit tries the same inputs as far as its time allows (a red
# CI comes from the commit, not from chance).
# Crashes, timeouts and OOMs are written to build-fuzz/findings/<target>/ and stop the run (exit != 0).
set -euo pipefail
cd "$(dirname "$0")/.."
ci=0
if [ "${1:-}" = --ci ]; then ci=1; shift; fi
seconds=${1:-60}
runs=${2:-0}
shift $(( $# < 2 ? $# : 2 ))
build=${TAPEGRAD_FUZZ_BUILD:-build-fuzz}

# -O1 -g1, as scripts/test-sanitized.sh: the level ASan's authors recommend, with line tables for the
# findings' stack traces; it builds faster than -O2 -g (CI builds these too).
CC=${CC:-clang-14} CXX=${CXX:-clang++-14} cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DTAPEGRAD_BUILD_FUZZERS=ON -DTAPEGRAD_BUILD_TESTS=OFF -DTAPEGRAD_BUILD_EXAMPLES=OFF \
  -DTAPEGRAD_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build "$build" -j 2   # every library and the fuzz targets: also CI's check that clang builds them
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < "$build/fuzz/targets.txt"

# Leaks would be findings too; the limits make a big allocation or a slow input count as one.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# No -jobs: one in-process fuzzer (-jobs=N would fork N workers logging to files).
limits=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=5 -print_final_stats=1)

for target in "${targets[@]}"; do
  [ -n "$target" ] || continue
  binary="$build/fuzz/fuzz_$target"
  corpus="tests/fuzz_corpus/$target"
  work="$build/corpus/$target"        # the fuzzer's growing working corpus, not committed
  findings="$build/findings/$target"
  mkdir -p "$corpus" "$work" "$findings"
  # Inputs up to 4 KB, or the largest kept one (libFuzzer cuts longer inputs: a .pt seed is 31 KB).
  largest=$(find "$corpus" -type f -printf '%s\n' | sort -n | tail -1)
  max_len=$(( ${largest:-0} > 4096 ? largest : 4096 ))
  echo "== fuzzing $target for ${seconds}s (runs limit: $runs, inputs up to $max_len bytes)"
  "$binary" "${limits[@]}" -max_len="$max_len" -max_total_time="$seconds" -runs="$(( runs > 0 ? runs : -1 ))" \
    -seed=$(( ci ? 1 : 0 )) -artifact_prefix="$findings/" "$work" "$corpus"
  [ $ci -eq 0 ] || continue
  # Keep only inputs that add coverage over what is already kept (seeds stay as they are).
  "$binary" "${limits[@]}" -max_len="$max_len" -merge=1 -use_counters=0 "$corpus" "$work"
  echo "== $target: kept corpus $(ls "$corpus" | wc -l) files, $(du -sk "$corpus" | cut -f1) KB"
done
