#!/bin/sh
# Builds the benchmarks and runs them side by side with PyTorch (see compare_softmax_pytorch.py).
# Usage: bench/compare_softmax_pytorch.sh [build-dir]   (default: build)
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target benchmarks -j2
# PyTorch comes from Debian's python3-torch: prefer the system interpreter.
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
exec "$python" "$root/bench/compare_softmax_pytorch.py" "$build/bench/bench_softmax"
