#!/usr/bin/env bash
# Installs the Debian packages tapegrad needs to build, test and run its examples, when missing.
#   scripts/install-deps.sh               build, test, examples
#   scripts/install-deps.sh --consumers   also the real consumers the "models in and out" tests run
#                                         (onnx.checker, OpenCV DNN, PyTorch, matplotlib; without them
#                                         those tests skip). ~1.5 GB installed, ~320 MB download on a
#                                         fresh Debian 12 (OpenCV's Python module alone pulls ~1 GB).
#   scripts/install-deps.sh --fuzz        also clang 14 with libFuzzer for scripts/fuzz.sh (~52 MB download,
#                                         ~290 MB installed). .ci/run passes both options.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libxtensor-dev libxsimd-dev xtl-dev     # n-d arrays and SIMD
  libdnnl-dev                             # GEMM (oneDNN sgemm)
  opencl-headers ocl-icd-opencl-dev       # oneDNN's CMake config looks for OpenCL even for CPU use
  zlib1g-dev                              # gzip IDX files
  catch2                                  # tests (Catch2 v2)
  libbenchmark-dev                        # benchmarks
  nlohmann-json3-dev                      # checkpoint headers (safetensors JSON)
  libcli11-dev                            # the mnist example's argument parser
  libopenmpi-dev openmpi-bin              # tapegrad::distributed (optional in the build; its tests need it)
)
for option in "$@"; do
  case $option in
    --consumers) packages+=(
      python3-numpy python3-onnx            # onnx.checker (tests/consumers/)
      python3-opencv                        # OpenCV's DNN module runs the exported models
      python3-torch                         # weights to and from PyTorch (tests/consumers/, scripts/tapegrad_torch.py)
      libopenblas0-pthread                  # PyTorch's BLAS: without it Debian's torch runs the reference BLAS
                                            # (64x784x512 matmul: 2.9 vs 154 GFLOP/s), unfit for side by sides
      python3-matplotlib                    # scripts/plot_training.py
    ) ;;
    --fuzz) packages+=(
      clang-14                              # the fuzz build's compiler (with libstdc++)
      libclang-rt-14-dev                    # libFuzzer and clang's sanitizer runtimes (only recommended by clang-14)
    ) ;;
    *) echo "install-deps.sh: unknown option '$option' (expected --consumers or --fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "tapegrad needs these Debian packages: ${missing[*]}" >&2
  echo "Install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
