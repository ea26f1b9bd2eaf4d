#!/usr/bin/env bash
# Checks that an object compiled for one instruction set (tapegrad_add_isa_objects) defines no
# function outside that set's namespace. A function both a wide-set object and another object emit
# (an inline or template function with the same name: std::fill<float*>, a helper outside the
# namespace) is one weak symbol to the linker, which keeps either copy: the AVX-512 copy could then
# run on a CPU without AVX-512. Functions in the set's namespace (tapegrad::...::<set>::) or templated
# on its xsimd architecture, and anonymous-namespace ones (local symbols), are safe.
# Usage: check-isa-symbols.sh <set> <object>[;<object>...]...
set -euo pipefail
isa=$1; shift
case $isa in
  avx512) arch='xsimd::avx512(bw|dq|cd|f)' ;;
  avx2) arch='xsimd::(fma3<xsimd::avx2>|avx2)' ;;
  sse2) arch='xsimd::sse2' ;;
  *) echo "unknown set $isa" >&2; exit 2 ;;
esac
status=0
for list in "$@"; do
  IFS=';' read -ra objects <<< "$list"
  for object in "${objects[@]}"; do
    # Global or weak code symbols (T, W, i); data (V, u, B, D) holds no instructions.
    bad=$(nm -C --defined-only "$object" | awk '$2 ~ /^[TWi]$/ { $1 = ""; $2 = ""; sub(/^  /, ""); print }' |
          grep -Ev "::${isa}::|${arch}" || true)
    if [[ -n $bad ]]; then
      echo "$object ($isa) defines functions outside namespace $isa that another object may define too:" >&2
      echo "$bad" | sed 's/^/  /' >&2
      status=1
    fi
  done
done
[[ $status == 0 ]] && echo "per-ISA objects for $isa: every function is local or in namespace $isa"
exit $status
