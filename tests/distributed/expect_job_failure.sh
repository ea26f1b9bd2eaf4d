#!/usr/bin/env bash
# Runs the 2-rank fault-injection program with one fault and passes only if the job fails (non-zero),
# within 30 s, with output naming the failed rank. Usage: expect_job_failure.sh FAULT MPIRUN PROGRAM
set -u
fault=$1 mpirun=$2 program=$3
out=$(mktemp)
start=$(date +%s)
timeout 60 "$mpirun" --allow-run-as-root --oversubscribe -np 2 "$program" "$fault" > "$out" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
cat "$out"
echo "fault '$fault': exit code $rc after ${elapsed} s"
status=0
[ "$rc" -ne 0 ] || { echo "FAIL: the job exited 0"; status=1; }
[ "$rc" -ne 124 ] || { echo "FAIL: the job hung (killed by the 60 s timeout)"; status=1; }
[ "$elapsed" -le 30 ] || { echo "FAIL: the job took ${elapsed} s to end (limit 30 s)"; status=1; }
grep -q "rank 1" "$out" || { echo "FAIL: no message names rank 1"; status=1; }
rm -f "$out"
exit $status
