#!/usr/bin/env bash
# Installs the built tapegrad into a temporary prefix, then configures, builds and runs the consumer.
# Usage: run.sh <tapegrad build dir> <consumer source dir> [mpirun]
# With mpirun (given when tapegrad::distributed was built) the data-parallel program is built and run
# on 2 ranks too.
set -euo pipefail
build=$1 src=$2 mpirun=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
# The PyTorch converter comes as a command (running it needs python3-numpy).
[[ -x $work/prefix/bin/tapegrad-torch ]] || { echo "cmake --install left out bin/tapegrad-torch"; exit 1; }
if /usr/bin/python3 -c "import numpy" 2> /dev/null; then "$work/prefix/bin/tapegrad-torch" --help > /dev/null; fi
cmake -S "$src" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DWITH_DISTRIBUTED="$([ -n "$mpirun" ] && echo ON || echo OFF)" > "$work/configure.log" \
  || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j 2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/build/app"
"$work/build/app_xtensor"
"$work/build/app_onnx" "$work/model.onnx"
if [ -n "$mpirun" ]; then
  # As tests/distributed does: as root mpirun needs --allow-run-as-root, --oversubscribe lets 2 ranks
  # share fewer cores; one OpenMP thread per rank; no leak check (Open MPI's plugins leak at exit).
  OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE LSAN_OPTIONS=detect_leaks=0 \
    timeout 120 "$mpirun" --allow-run-as-root --oversubscribe -np 2 "$work/build/app_ddp"
fi
