#!/usr/bin/env bash
# Installs the built tapegrad into a temporary prefix, then configures, builds and runs the consumer.
# Usage: run.sh <tapegrad build dir> <consumer source dir>
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
# The PyTorch converter comes as a command (running it needs python3-numpy).
[[ -x $work/prefix/bin/tapegrad-torch ]] || { echo "cmake --install left out bin/tapegrad-torch"; exit 1; }
if /usr/bin/python3 -c "import numpy" 2> /dev/null; then "$work/prefix/bin/tapegrad-torch" --help > /dev/null; fi
cmake -S "$src" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log" \
  || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j 2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/build/app"
"$work/build/app_xtensor"
