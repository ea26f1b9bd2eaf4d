#!/usr/bin/env bash
# The MNIST CNN (PyTorch's examples/mnist network, batch 64) trained side by side by tapegrad
# (`mnist --model cnn`) and PyTorch 1.13 (bench/train_mnist_cnn_pytorch.py) on the same data and
# machine: training samples/s (best epoch), the ratio, the fraction of the FMA limit, peak RSS.
#
#   bench/compare_cnn.sh [--epochs N] [--data DIR] [--build-dir DIR] [--optimizer sgd|adadelta]
#
# FMA limit: ~72 MFLOP per training sample (forward 24 MFLOP: conv2 21.2, fc1 2.4, conv1 0.4; backward
# twice that) against the all-core peak bench_peak measures; without it, a core doing 2 FMA units x 8
# float32 lanes x 2 FLOP per cycle (AVX2): limit = cores x GHz x 32 GFLOP/s / 72 MFLOP.
set -euo pipefail
epochs=1
data=data/mnist
optimizer=adadelta  # both sides: the CNN example's default (PyTorch's examples/mnist)
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build
python=${PYTHON:-/usr/bin/python3}
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    --optimizer) optimizer=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "compare_cnn.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
cmake --build "$build" --target mnist -j2 >/dev/null
cd "$repo"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"

tg_out=$( { /usr/bin/time -f "peak_rss_kb %M cpu_s %U %S" "$build/examples/mnist" --model cnn --epochs "$epochs" --data "$data" \
                   --optimizer "$optimizer"; } 2>&1 )
echo "$tg_out"
tg_rate=$(grep -o '[0-9.]* samples/s' <<<"$tg_out" | awk '{print $1}' | sort -g | tail -1)
tg_rss=$(awk '/peak_rss_kb/ {printf "%.0f", $2 / 1024}' <<<"$tg_out")

pt_out=$("$python" bench/train_mnist_cnn_pytorch.py --data "$data" --epochs "$epochs" --optimizer "$optimizer")
echo "$pt_out"
pt_rate=$(tail -n 1 <<<"$pt_out" | sed 's/.*"samples_per_second": \([0-9.]*\).*/\1/')
pt_rss=$(tail -n 1 <<<"$pt_out" | sed 's/.*"peak_rss_mib": \([0-9.]*\).*/\1/')

ghz=$(awk -F: '/cpu MHz/ {print $2 / 1000; exit}' /proc/cpuinfo)
# The FMA peak on all cores as bench_peak measures it for the kernels' instruction set (AVX-512 does
# twice AVX2's FLOPs per cycle); without bench_peak, the AVX2 formula above.
peak=""
if cmake --build "$build" --target bench_peak -j2 >/dev/null 2>&1; then
  peak=$("$build/bench/bench_peak" 2>/dev/null | awk -F, '$2 ~ /^[0-9]+$/ {print $4}' | tail -n 1) || peak=""
fi
awk -v t="$tg_rate" -v p="$pt_rate" -v tr="$tg_rss" -v pr="$pt_rss" -v ghz="$ghz" -v cores="$(nproc)" -v peak="$peak" 'BEGIN {
  limit = peak != "" ? peak * 1e9 / 72e6 : cores * ghz * 32e9 / 72e6
  printf "\n%-10s %12s %14s %12s\n", "", "samples/s", "of FMA limit", "peak RSS"
  printf "%-10s %12.0f %13.1f%% %9.0f MiB\n", "tapegrad", t, 100 * t / limit, tr
  printf "%-10s %12.0f %13.1f%% %9.0f MiB\n", "pytorch", p, 100 * p / limit, pr
  if (peak != "") printf "ratio tapegrad / pytorch: %.2f (FMA limit %.0f samples/s: bench_peak %.1f GFLOP/s on %d cores)\n", t / p, limit, peak, cores
  else printf "ratio tapegrad / pytorch: %.2f (FMA limit %.0f samples/s at %.2f GHz x %d cores, AVX2)\n", t / p, limit, ghz, cores
}'
