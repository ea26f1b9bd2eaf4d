#!/usr/bin/env bash
# Checks the mnist example's command line, one scenario per call (registered in examples/CMakeLists.txt).
# Usage: examples_cli.sh <train|eval|export-onnx|plot|missing-data|help|omp-dynamic> <mnist binary> <data dir> <work dir>
#   train         1 epoch, --save and --log-csv: exit 0, the accuracy line, a CSV with a header and one row,
#                 plain lines in the redirected output (no terminal codes)
#   eval          --eval of the model saved by `train`: the same accuracy and a 10x10 confusion matrix
#   export-onnx   --eval of that model with --export-onnx: the accuracy line, an ONNX file, and a missing
#                 folder refused with a message naming it (tests/consumers/ runs exports in real consumers)
#   plot          scripts/plot_training.py on the train scenario's CSV draws a PNG (skipped, exit 77,
#                 without python3-matplotlib)
#   missing-data  --data on a folder that does not exist: exit 1, a message naming it and how to get the data
#   help          --help: exit 0 and every flag listed
#   omp-dynamic   under OMP_DYNAMIC=true (set by ctest), 30 batches on 2 threads: a finite loss, the same loss
#                 and accuracy as without it
set -uo pipefail
scenario=$1 mnist=$2 data=$3 work=$4

fail() { echo "FAIL ($scenario): $*" >&2; exit 1; }

# Runs the example, keeping its exit status, stdout and stderr.
run() {
  "$mnist" "$@" > "$work/$scenario.out" 2> "$work/$scenario.err"
  status=$?
  out=$(cat "$work/$scenario.out")
  err=$(cat "$work/$scenario.err")
}

# The N in the last "accuracy on test set: N %" line of a text.
accuracy_in() { grep -o 'accuracy on test set: [0-9.]* %' <<< "$1" | tail -n 1 | awk '{print $5}'; }

mkdir -p "$work"
case $scenario in
  train)
    rm -f "$work/m.safetensors" "$work/log.csv" "$work/train_accuracy"
    run --data "$data" --epochs 1 --save "$work/m.safetensors" --log-csv "$work/log.csv"
    [[ $status == 0 ]] || fail "exit status $status, stderr: $err"
    grep -q '^accuracy on test set: [0-9.]* %' <<< "$out" || fail "no 'accuracy on test set:' line in: $out"
    [[ $out != *$'\e'* ]] || fail "terminal escape codes in the redirected output: $(cat -v <<< "$out")"
    [[ -s $work/m.safetensors ]] || fail "no model written to $work/m.safetensors"
    [[ -f $work/log.csv ]] || fail "no CSV log written to $work/log.csv"
    [[ $(wc -l < "$work/log.csv") == 2 ]] || fail "the CSV log should have a header and one row: $(cat "$work/log.csv")"
    header=$(sed -n 1p "$work/log.csv") row=$(sed -n 2p "$work/log.csv")
    [[ $header == epoch,train_loss,test_accuracy,epoch_seconds,samples_per_second ]] || fail "CSV header: $header"
    number='[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?'
    [[ $row =~ ^1,$number,$number,$number,$number$ ]] || fail "CSV row for epoch 1: $row"
    # The logged accuracy is the printed one (the CSV keeps more digits).
    logged=$(cut -d, -f3 <<< "$row")
    [[ $(printf '%.2f' "$logged") == $(accuracy_in "$out") ]] || fail "CSV accuracy $logged, printed $(accuracy_in "$out")"
    accuracy_in "$out" > "$work/train_accuracy"
    ;;
  eval)
    [[ -s $work/m.safetensors && -s $work/train_accuracy ]] || fail "run the train scenario first (ctest fixture)"
    run --data "$data" --eval "$work/m.safetensors"
    [[ $status == 0 ]] || fail "exit status $status, stderr: $err"
    accuracy=$(accuracy_in "$out")
    [[ -n $accuracy ]] || fail "no 'accuracy on test set:' line in: $out"
    [[ $accuracy == $(cat "$work/train_accuracy") ]] || fail "evaluated $accuracy %, training reported $(cat "$work/train_accuracy") %"
    grep -Eq '^ +0 +1 +2 +3 +4 +5 +6 +7 +8 +9$' <<< "$out" || fail "no confusion matrix header (columns 0-9) in: $out"
    # Ten rows "digit count x10": every test image counted once, the diagonal gives the accuracy.
    rows=$(grep -E '^ +[0-9]( +[0-9]+){10}$' <<< "$out")
    [[ $(awk '{print $1}' <<< "$rows" | tr '\n' ' ') == '0 1 2 3 4 5 6 7 8 9 ' ]] || fail "confusion matrix rows: $rows"
    read -r total diagonal < <(awk '{for (c = 2; c <= 11; ++c) {t += $c; if (c - 2 == $1) d += $c}} END {print t, d}' <<< "$rows")
    [[ $total == 10000 ]] || fail "the confusion matrix counts $total images, the test set has 10000"
    [[ $(awk -v d="$diagonal" 'BEGIN {printf "%.2f", 100 * d / 10000}') == "$accuracy" ]] \
      || fail "the matrix's diagonal ($diagonal of 10000) disagrees with the accuracy $accuracy %"
    ;;
  export-onnx)
    [[ -s $work/m.safetensors ]] || fail "run the train scenario first (ctest fixture)"
    rm -f "$work/m.onnx"
    run --data "$data" --eval "$work/m.safetensors" --export-onnx "$work/m.onnx"
    [[ $status == 0 ]] || fail "exit status $status, stderr: $err"
    grep -q "^exported the model to $work/m.onnx (ONNX opset 13)$" <<< "$out" || fail "no 'exported the model' line in: $out"
    [[ -s $work/m.onnx ]] || fail "no ONNX file written to $work/m.onnx"
    run --data "$data" --eval "$work/m.safetensors" --export-onnx "$work/no/such/folder/m.onnx"
    [[ $status == 1 ]] || fail "export into a missing folder: exit status $status"
    grep -q "folder '$work/no/such/folder' does not exist" <<< "$err" || fail "export into a missing folder: $err"
    ;;
  plot)
    [[ -s $work/log.csv ]] || fail "run the train scenario first (ctest fixture)"
    python=${TAPEGRAD_PYTHON:-/usr/bin/python3}
    if ! "$python" -c "import matplotlib" 2>/dev/null; then
      [[ -n ${TAPEGRAD_CI:-} ]] && fail "$python cannot import matplotlib (CI installs python3-matplotlib)"
      echo "SKIPPED: $python cannot import matplotlib: apt-get install python3-matplotlib"
      exit 77
    fi
    rm -f "$work/curves.png"
    out=$("$python" "$(dirname "$0")/../../scripts/plot_training.py" "$work/log.csv" -o "$work/curves.png" 2>&1) \
      || fail "plot_training.py failed: $out"
    [[ $(head -c 8 "$work/curves.png" | od -An -tx1 | tr -d ' ') == 89504e470d0a1a0a ]] || fail "$work/curves.png is not a PNG"
    [[ $(stat -c %s "$work/curves.png") -gt 10000 ]] || fail "$work/curves.png is suspiciously small"
    ;;
  missing-data)
    missing=/nonexistent/tapegrad-mnist
    run --data "$missing" --epochs 1
    [[ $status == 1 ]] || fail "exit status $status (expected 1)"
    for needle in "$missing" data/mnist scripts/download_mnist.sh; do
      grep -qF -- "$needle" <<< "$err" || fail "stderr does not mention '$needle': $err"
    done
    ;;
  help)
    run --help
    [[ $status == 0 ]] || fail "exit status $status"
    for flag in --data --epochs --batch-size --lr --momentum --seed --threads --save --eval --log-csv --export-onnx --help; do
      grep -qE -- "(^|[ ,])$flag( |$)" <<< "$out" || fail "--help does not list $flag: $out"
    done
    ;;
  omp-dynamic)
    # OpenMP's dynamic mode lets a parallel region start on fewer threads than asked for; oneDNN's
    # products were then wrong (mean loss nan). Both runs are pinned to one CPU (taskset), where
    # dynamic mode always gives one thread, so the run fails without the fix on any machine, not only
    # on a loaded one; a thread count both runs share keeps them bit for bit equal.
    [[ ${OMP_DYNAMIC:-} == true ]] || fail "run with OMP_DYNAMIC=true (examples/CMakeLists.txt sets it)"
    cpu=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')
    flags=(--data "$data" --epochs 1 --limit-batches 30 --threads 2)
    # "12.34 2.305": the accuracy and the epoch's mean loss of a run's output.
    result_of() { sed -n 's/^accuracy on test set: \([^ ]*\) %  (epoch 1: mean loss \([^,]*\),.*/\1 \2/p' <<< "$1"; }
    env -u OMP_DYNAMIC taskset -c "$cpu" "$mnist" "${flags[@]}" > "$work/$scenario.reference.out" 2>&1 \
      || fail "the run without OMP_DYNAMIC failed: $(cat "$work/$scenario.reference.out")"
    reference=$(result_of "$(cat "$work/$scenario.reference.out")")
    [[ -n $reference ]] || fail "no result line without OMP_DYNAMIC: $(cat "$work/$scenario.reference.out")"
    taskset -c "$cpu" "$mnist" "${flags[@]}" > "$work/$scenario.out" 2>&1 \
      || fail "the run under OMP_DYNAMIC=true failed: $(cat "$work/$scenario.out")"
    dynamic=$(result_of "$(cat "$work/$scenario.out")")
    [[ $dynamic =~ ^[0-9.]+\ [0-9.]+$ ]] \
      || fail "no finite accuracy and loss under OMP_DYNAMIC=true: $(cat "$work/$scenario.out")"
    [[ $dynamic == "$reference" ]] \
      || fail "accuracy and mean loss $dynamic under OMP_DYNAMIC=true, $reference without (on CPU $cpu)"
    echo "accuracy % and mean loss: $dynamic, the same as without OMP_DYNAMIC"
    ;;
  *) fail "unknown scenario (train, eval, export-onnx, plot, missing-data, help, omp-dynamic)" ;;
esac
echo "ok ($scenario)"
