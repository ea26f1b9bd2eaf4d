#!/usr/bin/env bash
# Scaling curves of the seed MLP's training, tapegrad and PyTorch 1.13 side by side: samples/s and peak
# RSS against the batch size (16..1024, width 1), the width (x0.5..x4, batch 64) and the threads (1, 2).
# Each point is one epoch of the 10,000-image training subset (data/mnist); the configurations
# alternate between the frameworks so drifts in machine load hit both. Writes a CSV, then plots it.
#   bench/scaling_curves.sh [--out bench/results/scaling.csv] [--data data/mnist]
# Needs: build/bench/train_mnist_bench (make bench), /usr/bin/python3 with torch and matplotlib.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/scaling.csv
data=data/mnist
python=${PYTHON:-/usr/bin/python3}
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    *) sed -n '2,8p' "$0"; exit 1 ;;
  esac
done
mkdir -p "$(dirname "$out")"
bench=build/bench/train_mnist_bench
[ -x "$bench" ] || { echo "build it first: make bench" >&2; exit 1; }

# The last line of each run is a JSON object; keep the fields the plots need.
field() { "$python" -c "import json,sys; d=json.loads(sys.argv[1]); print(d['$2'])" "$1"; }
echo "framework,threads,batch,width,train_samples_per_s,peak_rss_mb" > "$out"
run_point() {  # threads batch width
  for framework in tapegrad pytorch; do
    if [ $framework = tapegrad ]; then
      line=$("$bench" --data "$data" --epochs 1 --eval-passes 1 --threads "$1" \
               --batch-size "$2" --width "$3" | tail -n 1)
    else
      # OpenBLAS picks its kernels from the CPU (the machine's OPENBLAS_CORETYPE pin slows it down).
      line=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$1" OPENBLAS_NUM_THREADS=1 \
               "$python" bench/train_mnist_pytorch.py --data "$data" --epochs 1 --eval-passes 1 --threads "$1" \
               --batch-size "$2" --width "$3" | tail -n 1)
    fi
    echo "$framework,$1,$2,$3,$(field "$line" train_samples_per_s),$(field "$line" peak_rss_mb)" | tee -a "$out"
  done
}
for threads in 1 2; do
  for batch in 16 32 64 128 256 512 1024; do run_point "$threads" "$batch" 1; done
  for width in 0.5 2 4; do run_point "$threads" 64 "$width"; done
done
"$python" bench/plot_scaling.py "$out" -o "${out%.csv}.png"
