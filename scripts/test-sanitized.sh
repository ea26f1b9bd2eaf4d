#!/usr/bin/env bash
# Builds the whole project with AddressSanitizer + UndefinedBehaviorSanitizer (-DTAPEGRAD_SANITIZE=ON)
# in its own build folder and runs the full ctest suite under it. Any sanitizer report fails the run.
# Usage: scripts/test-sanitized.sh [build dir, default build-asan] [jobs, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
jobs=${2:-2}

# The one place the sanitizer runtime options live:
# - halt_on_error / abort_on_error: the first report ends the test with a failure.
# - detect_leaks=1: leaks are errors too (no suppressions were needed).
# - strict_string_checks, check_initialization_order, detect_stack_use_after_return: stricter than default.
# - print_stacktrace: UBSan reports say where.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

start=$(date +%s)
# Native (-march=native): `make test` runs the default, portable build, so CI tests both. The kernel
# tests run every instruction set the CPU has either way (runtime dispatch).
# -O1 -g1: the level ASan's authors recommend, with line tables for the reports' stack traces; -O2 -g
# took twice as long to build.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
      -DTAPEGRAD_SANITIZE=ON -DTAPEGRAD_NATIVE=ON > /dev/null
cmake --build "$build" -j "$jobs"
built=$(date +%s)
# Tests labelled "numerics" (floating-point agreement over long training runs) run in the Release suite only.
(cd "$build" && ctest --output-on-failure --no-tests=error -j "$jobs" -LE numerics)
done_at=$(date +%s)
echo "sanitized build: $((built - start)) s, tests: $((done_at - built)) s, total: $((done_at - start)) s"
