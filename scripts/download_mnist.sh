#!/usr/bin/env bash
# Downloads the full official MNIST (60,000 training and 10,000 test images, gzip IDX files) and
# checks each file's MD5 against the official values.
#
# Usage: scripts/download_mnist.sh [--mirror URL] [DIR]
#   DIR       target folder (default: data/mnist-full); then run e.g. `mnist --data DIR`
#   --mirror  base URL holding the four .gz files (default: $MNIST_MIRROR, else PyTorch's mirror
#             https://ossci-datasets.s3.amazonaws.com/mnist; another is http://yann.lecun.com/exdb/mnist)
#
# Files already present with the right MD5 are kept. A download goes to a .part file and is only
# renamed into place once its MD5 matches, so an interrupted or wrong download never looks complete.
# The repository already ships data/mnist (the test set and a 10,000-digit training subset), which
# needs no download.
set -euo pipefail

mirror="${MNIST_MIRROR:-https://ossci-datasets.s3.amazonaws.com/mnist}"
dir="data/mnist-full"
while [ $# -gt 0 ]; do
  case "$1" in
    --mirror) [ $# -ge 2 ] || { echo "error: --mirror needs a URL" >&2; exit 2; }; mirror="$2"; shift 2 ;;
    --mirror=*) mirror="${1#--mirror=}"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) dir="$1"; shift ;;
  esac
done
mirror="${mirror%/}"

# The official MD5s (as listed by torchvision.datasets.MNIST).
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
md5s=(f68b3c2dcbeaaa9fbdd348bbdeb94873 d53e105ee54ea40749a09fcbcd1e9432 9fb629c4189551a2d022fa330f9573f3 ec29112dd5afa0611ce80d1b7f02629c)

md5_of() {
  if command -v md5sum >/dev/null 2>&1; then md5sum "$1" | cut -d' ' -f1
  elif command -v md5 >/dev/null 2>&1; then md5 -q "$1"
  else echo "error: neither md5sum nor md5 is installed" >&2; exit 1
  fi
}

fetch() {  # fetch URL OUT
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --connect-timeout 20 --retry 2 --output "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget --quiet --timeout=20 --tries=3 --output-document="$2" "$1"
  else
    echo "error: neither curl nor wget is installed" >&2; exit 1
  fi
}

mkdir -p "$dir"
for i in "${!files[@]}"; do
  name="${files[$i]}"; want="${md5s[$i]}"; out="$dir/$name"
  if [ -f "$out" ] && [ "$(md5_of "$out")" = "$want" ]; then
    echo "$out: present, MD5 ok"
    continue
  fi
  echo "downloading $mirror/$name"
  if ! fetch "$mirror/$name" "$out.part"; then
    rm -f "$out.part"
    echo "error: could not download $mirror/$name." >&2
    echo "       Are you offline? Try again when online, or pass another mirror with --mirror URL" >&2
    echo "       (e.g. http://yann.lecun.com/exdb/mnist). The repository's data/mnist works offline." >&2
    exit 1
  fi
  got="$(md5_of "$out.part")"
  if [ "$got" != "$want" ]; then
    rm -f "$out.part"
    echo "error: $mirror/$name has MD5 $got, expected $want (wrong or damaged file; try another mirror)" >&2
    exit 1
  fi
  mv "$out.part" "$out"
  echo "$out: MD5 ok"
done
echo "MNIST (60,000 training + 10,000 test images) is in $dir"
