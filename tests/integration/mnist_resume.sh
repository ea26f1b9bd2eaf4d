#!/bin/bash
# Exact resume of the mnist example (run by ctest): a 4-epoch run with --threads 1, and the same run
# SIGKILLed right after its epoch-2 checkpoint ("stop") or during epoch 3 ("kill") and then resumed
# with --resume, must --save byte-identical models. Also: a contradicting flag is refused.
#   mnist_resume.sh MNIST_BINARY DATA_DIR WORK_DIR OPTIMIZER SCHEDULER
set -euo pipefail
bin=$1 data=$2 work=$3 opt=$4 sched=$5
mkdir -p "$work"
cd "$work"
tag="$opt-$sched"
case $opt in sgd) lr=0.05 ;; adam|adamw|rmsprop) lr=0.001 ;; adagrad) lr=0.01 ;; adadelta) lr=1.0 ;; esac
run=(--data "$data" --threads 1 --epochs 4 --limit-batches 6 --batch-size 32 --optimizer "$opt" --scheduler "$sched"
     --lr "$lr" --weight-decay 0.0001 --clip-grad-norm 5)
"$bin" "${run[@]}" --save "straight-$tag.safetensors" > "straight-$tag.log"

for scenario in stop kill; do
  ckpt="$scenario-$tag.ckpt"
  rm -f "$ckpt"
  # Start the run, wait for its epoch-2 checkpoint line, then SIGKILL it (at once, or a little later).
  # mnist flushes stdout after every epoch, so no stdbuf here: its LD_PRELOAD library would sit ahead of
  # the AddressSanitizer runtime, which then refuses to start.
  coproc RUN { exec "$bin" "${run[@]}" --checkpoint "$ckpt"; }
  pid=$RUN_PID
  while IFS= read -r line <&"${RUN[0]}"; do
    if [[ $line == "checkpoint after epoch 2 "* ]]; then
      [[ $scenario == kill ]] && sleep 0.05
      kill -9 "$pid"
      break
    fi
  done
  wait "$pid" 2>/dev/null || true
  "$bin" --resume "$ckpt" --data "$data" --threads 1 --save "$scenario-$tag.safetensors" > "$scenario-$tag.log"
  grep -q "resumed $ckpt after epoch 2 of 4" "$scenario-$tag.log" || { echo "$scenario: not resumed after epoch 2"; cat "$scenario-$tag.log"; exit 1; }
  cmp "straight-$tag.safetensors" "$scenario-$tag.safetensors" || { echo "$scenario: models differ ($tag)"; exit 1; }
done

# Flags given again that agree are accepted; one that contradicts the checkpoint is refused. Every file
# is named by $tag: ctest runs the combinations at once in this one folder.
"$bin" --resume "stop-$tag.ckpt" --data "$data" --threads 1 --optimizer "$opt" --epochs 4 > /dev/null
other=sgd; [[ $opt == sgd ]] && other=adam
if "$bin" --resume "stop-$tag.ckpt" --data "$data" --threads 1 --optimizer "$other" 2> "refused-$tag.err"; then
  echo "a contradicting --optimizer was accepted"; exit 1
fi
grep -q -- "--optimizer $other contradicts the checkpoint, which has --optimizer $opt" "refused-$tag.err" ||
  { echo "the contradicting --optimizer was refused with another message:"; cat "refused-$tag.err"; exit 1; }
if [[ $sched == cosine || $sched == onecycle ]]; then
  if "$bin" --resume "stop-$tag.ckpt" --data "$data" --threads 1 --epochs 6 2> "refused-$tag.err"; then
    echo "--epochs changed under a schedule that depends on it"; exit 1
  fi
  grep -q "depends on the epoch count" "refused-$tag.err" ||
    { echo "the changed --epochs was refused with another message:"; cat "refused-$tag.err"; exit 1; }
fi
echo "resume $tag: byte-identical"
