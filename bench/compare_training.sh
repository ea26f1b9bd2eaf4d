#!/usr/bin/env bash
# Trains the seed network (784-512-256-128-64-10, batch 64, SGD lr 0.01 momentum 0.5) on Fashion-MNIST
# with tapegrad and with PyTorch, back to back in one run, and prints a table and the ratios.
#
#   bench/compare_training.sh [--epochs N] [--rounds N] [--data DIR] [--build-dir DIR]
#
# Runs, in this order (each one epoch by default), --rounds times in alternation (default 1; each
# configuration's fastest round is kept, which evens out a shared machine's noise):
#   tapegrad default        build/bench/train_mnist_bench (the library's default thread count)
#   tapegrad 1 thread       ... --threads 1
#   pytorch default         bench/train_mnist_pytorch.py, no environment variables, PyTorch's threads
#   pytorch skx 1t          OPENBLAS_CORETYPE=SkylakeX, 1 thread (OMP and OpenBLAS)
#   pytorch skx 2t bind     OPENBLAS_CORETYPE=SkylakeX, 2 OpenMP threads bound (OMP_PROC_BIND=true,
#                           taskset -c 0,1), OpenBLAS single-threaded inside them
#   pytorch skx 2t affinity OPENBLAS_CORETYPE=SkylakeX, 2 OpenMP threads pinned by GOMP_CPU_AFFINITY,
#                           OpenBLAS with its own 2 threads (its default)
# "pytorch best" is the fastest PyTorch configuration of this run for training (and, separately,
# for evaluation). Without python3-torch the PyTorch runs are skipped with a message.
set -euo pipefail

epochs=1
rounds=1
data=/usr/share/datasets/fashion-mnist
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build
python=${PYTHON:-/usr/bin/python3}  # Debian's python3-torch lives there
[ -x "$python" ] || python=python3

while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "compare_training.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

if [ ! -d "$data" ]; then
  echo "compare_training.sh: no dataset folder $data" >&2
  echo "  Fashion-MNIST comes from Debian: sudo apt-get install dataset-fashion-mnist (or pass --data DIR)" >&2
  exit 1
fi

[ -f "$build/CMakeCache.txt" ] || cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target train_mnist_bench -j2 >/dev/null
bin=$build/bench/train_mnist_bench

results=$(mktemp)
trap 'rm -f "$results"' EXIT

# run LABEL COMMAND...: runs one configuration, shows its output, keeps its JSON line under LABEL.
run() {
  local label=$1; shift
  echo "=== $label: $*"
  local out
  out=$("$@" --epochs "$epochs" --data "$data") || { echo "($label failed)"; return 0; }
  echo "$out"
  printf '%s\t%s\n' "$label" "$(tail -n 1 <<<"$out")" >>"$results"
}

script=$repo/bench/train_mnist_pytorch.py
have_torch=1
if ! "$python" -c "import torch" 2>/dev/null; then
  have_torch=0
  echo "=== PyTorch skipped: python3-torch is not installed (sudo apt-get install python3-torch)"
fi

echo "load before: $(uptime)"
for ((round = 1; round <= rounds; ++round)); do
  [ "$rounds" -eq 1 ] || echo "##### round $round of $rounds"
  run "tapegrad default" "$bin"
  run "tapegrad 1 thread" "$bin" --threads 1
  [ "$have_torch" -eq 1 ] || continue
  run "pytorch default" "$python" "$script"
  run "pytorch skx 1t" env OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    "$python" "$script" --threads 1
  run "pytorch skx 2t bind" env OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=2 OMP_PROC_BIND=true \
    OPENBLAS_NUM_THREADS=1 taskset -c 0,1 "$python" "$script" --threads 2
  run "pytorch skx 2t affinity" env OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=2 GOMP_CPU_AFFINITY="0 1" \
    "$python" "$script" --threads 2
done
echo "load after: $(uptime)"

"$python" - "$results" <<'EOF'
import json, sys

# Each configuration's rounds, folded into one: the fastest training round, with the fastest
# evaluation of all its rounds and the largest peak RSS.
best = {}
for line in open(sys.argv[1]):
    label, _, payload = line.rstrip("\n").partition("\t")
    try:
        r = json.loads(payload)
    except json.JSONDecodeError:
        print(f"({label}: no JSON result line)")
        continue
    r["rounds"] = 1
    if label in best:
        old = best[label]
        keep = dict(r if r["train_samples_per_s"] > old["train_samples_per_s"] else old)
        keep["eval_samples_per_s"] = max(r["eval_samples_per_s"], old["eval_samples_per_s"])
        keep["peak_rss_mb"] = max(r["peak_rss_mb"], old["peak_rss_mb"])
        keep["rounds"] = old["rounds"] + 1
        r = keep
    best[label] = r
runs = list(best.items())

def fmt(v, width):
    return format("-" if v is None else f"{v:.1f}", f">{width}")

print()
print(f"{'configuration':26} {'threads':>7} {'train samples/s':>15} {'s/epoch':>8} {'accuracy %':>10} "
      f"{'eval samples/s':>14} {'peak RSS MB':>11} {'allocs/step':>11}")
for label, r in runs:
    print(f"{label:26} {r['threads']:>7} {r['train_samples_per_s']:>15,.0f} "
          f"{sum(r['epoch_seconds']) / len(r['epoch_seconds']):>8.2f} {r['test_accuracy']:>10.2f} "
          f"{r['eval_samples_per_s']:>14,.0f} {r['peak_rss_mb']:>11.1f} {fmt(r.get('allocs_per_step'), 11)}")

if any(r["rounds"] > 1 for _, r in runs):
    print("(each row: the fastest training round of the configuration, its fastest evaluation)")

by_label = dict(runs)
tapegrad = by_label.get("tapegrad default")
torch_runs = [(label, r) for label, r in runs if r["framework"] == "pytorch"]
if not tapegrad or not torch_runs:
    sys.exit(0)
default = by_label.get("pytorch default")
best_train = max(torch_runs, key=lambda lr: lr[1]["train_samples_per_s"])
best_eval = max(torch_runs, key=lambda lr: lr[1]["eval_samples_per_s"])

def ratio(name, ours, theirs, key, goal):
    value = ours[key] / theirs[key]
    print(f"  {name:64} {value:6.2f}x   (goal >= {goal}x: {'met' if value >= goal else 'missed'})")

print()
print(f"PyTorch best for training: {best_train[0]}; for evaluation: {best_eval[0]}")
print("ratios (tapegrad out of the box = 'tapegrad default'):")
ratio(f"training samples/s, tapegrad / PyTorch best ({best_train[0]})", tapegrad, best_train[1],
      "train_samples_per_s", 1.5)
if default:
    ratio("training samples/s, tapegrad / PyTorch default", tapegrad, default, "train_samples_per_s", 4)
    ratio("eval samples/s, tapegrad / PyTorch default", tapegrad, default, "eval_samples_per_s", 2)
ratio(f"eval samples/s, tapegrad / PyTorch best ({best_eval[0]})", tapegrad, best_eval[1], "eval_samples_per_s", 2)
one = by_label.get("tapegrad 1 thread")
if one:
    print("the same with tapegrad --threads 1:")
    ratio("training samples/s, tapegrad 1 thread / PyTorch best", one, best_train[1], "train_samples_per_s", 1.5)
    if default:
        ratio("training samples/s, tapegrad 1 thread / PyTorch default", one, default, "train_samples_per_s", 4)
print(f"peak RSS: tapegrad {tapegrad['peak_rss_mb']:.1f} MB (goal <= 150 MB); "
      + ", ".join(f"{label} {r['peak_rss_mb']:.1f} MB" for label, r in torch_runs))
EOF
