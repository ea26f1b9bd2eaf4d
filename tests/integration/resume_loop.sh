#!/bin/bash
# Exact resume of the README's training loop with the loader's position in the checkpoint (run by
# ctest): tests/integration/programs/resume_loop.cpp is SIGKILLed right after one of its checkpoints
# (mid-epoch, between epochs, after an epoch's last batch inside the loop, and a resumed run killed
# again), resumed, and must end with the same model and last loss bytes as an uninterrupted run.
# The negative control, checkpoints without the loader (the calls before it had a state), must not.
#   resume_loop.sh RESUME_LOOP_BINARY DATA_DIR WORK_DIR
set -euo pipefail
bin=$1 data=$2 work=$3
mkdir -p "$work"
cd "$work"
rm -f ./*.ckpt ./*.safetensors ./*.loss ./*.log

"$bin" "$data" straight > straight.log

# kill_when_held NAME ARGS...: start a run, wait until it holds after a checkpoint, SIGKILL it.
kill_when_held() {
  local log=$1.log
  shift
  coproc RUN { exec "$bin" "$data" unused "$@"; }
  local pid=$RUN_PID held=no
  while IFS= read -r line <&"${RUN[0]}"; do
    echo "$line" >> "$log"
    if [[ $line == holding ]]; then
      held=yes
      break
    fi
  done
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  [[ $held == yes ]] || { echo "$log: the run ended without holding:"; cat "$log"; exit 1; }
}

# resume NAME EXPECTED_LINE [ARGS...]: finish the run of NAME.ckpt; it must report EXPECTED_LINE.
resume() {
  local name=$1 expected=$2
  shift 2
  "$bin" "$data" "$name" --resume "$name.ckpt" "$@" >> "$name.log"
  grep -q "^$expected\$" "$name.log" || { echo "$name: no '$expected' in its log:"; cat "$name.log"; exit 1; }
}

same_as_straight() { cmp -s straight.safetensors "$1.safetensors" && cmp -s straight.loss "$1.loss"; }

# 32 batches per epoch. With --every 10 the checkpoints come at epoch 0 batch 10, 20, 30, after
# epoch 0, at epoch 1 batch 10, 20, ...
scenario() {
  local name=$1 expected=$2
  shift 2
  kill_when_held "$name" --checkpoint "$name.ckpt" "$@"
  resume "$name" "$expected"
  same_as_straight "$name" || { echo "$name: the resumed run ends differently (loss $(cat "$name.loss"), uninterrupted $(cat straight.loss))"; exit 1; }
  echo "$name: byte-identical"
}
scenario mid "resumed at epoch 1, batch 20" --every 10 --hold-after 6
scenario between "resumed at epoch 1, batch 0" --every 10 --hold-after 4
scenario last-batch "resumed at epoch 0, batch 32" --every 16 --hold-after 2

# Killed mid-epoch, resumed, killed again at the resumed run's first checkpoint, resumed again.
kill_when_held twice --checkpoint twice.ckpt --every 10 --hold-after 6
kill_when_held twice --resume twice.ckpt --checkpoint twice.ckpt --every 10 --hold-after 1
resume twice "resumed at epoch 1, batch 30"
same_as_straight twice || { echo "twice: the twice resumed run ends differently"; exit 1; }
echo "twice: byte-identical"

# Negative control: the same kill between epochs without the loader's state resumes with the
# loader at its first shuffle, and must end differently (else this test could not see the fault).
kill_when_held control --checkpoint control.ckpt --without-loader --hold-after 1
resume control "resumed at epoch 1, batch 0" --without-loader
if same_as_straight control; then
  echo "control: a run resumed without the loader's state ended identically: the comparison sees nothing"
  exit 1
fi
echo "control: resumed without the loader's state, it ends differently, as it should"
