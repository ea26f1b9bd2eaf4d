#!/usr/bin/env bash
# The mnist example under mpirun with its output redirected to a file writes plain lines: Open MPI
# gives each rank a pseudo-terminal as stdout whatever mpirun's own stdout is, so a check of isatty
# alone drew the live progress line, terminal escape codes and all, into the log.
# Usage: mnist_plain_log.sh MPIRUN MNIST DATA WORKDIR
set -euo pipefail
mpirun=$1 mnist=$2 data=$3 work=$4
mkdir -p "$work"
log=$work/log.txt
"$mpirun" --allow-run-as-root --oversubscribe -np 1 "$mnist" --distributed --data "$data" --threads 1 --epochs 1 \
  --limit-batches 3 > "$log"
if grep -q $'\e' "$log"; then
  echo "FAIL: terminal escape codes in the log written under mpirun:"
  cat -v "$log"
  exit 1
fi
grep -q '^accuracy on test set: [0-9.]* %' "$log" || { echo "FAIL: no accuracy line in the log:"; cat "$log"; exit 1; }
echo "ok: $(wc -l < "$log") plain lines"
