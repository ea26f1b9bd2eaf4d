#!/usr/bin/env python3
"""tapegrad's softmax-family benchmarks side by side with PyTorch's CPU kernels on the same shapes.

For each shape it alternates, ROUNDS times, a run of the tapegrad benchmark binary (Google Benchmark,
float32, single thread) with the PyTorch equivalents at 1 thread and at PyTorch's default thread
count (and every core, when that differs), then prints times and ratios. Times are the fastest over
the rounds: the machine is shared, the minimum is the measurement least disturbed by other processes,
and alternating exposes both libraries to the same background load.

  log_softmax fwd+bwd, kernels : tapegrad kernels::log_softmax_rows + log_softmax_backward_rows
                                 vs torch._log_softmax + torch._log_softmax_backward_data (no autograd)
  log_softmax fwd+bwd, op      : tg::log_softmax(x, 1).backward(g)  vs  torch.log_softmax(x, 1).backward(g)
  cross-entropy fwd+bwd        : tapegrad's fused kernels (per-row loss + lse, then dx)
                                 vs F.cross_entropy(x, t).backward() (log_softmax + nll_loss, autograd)

Ratio = PyTorch time / tapegrad time: above 1 means tapegrad is faster.

Usage: compare_softmax_pytorch.py [path/to/bench_softmax]   (see compare_softmax_pytorch.sh)
"""
import json
import os
import subprocess
import sys

SHAPES = [(64, 10), (4096, 1000), (256, 32000)]
ROUNDS = 5

# (label, tapegrad benchmark name prefix, its scalar twin's prefix or None, PyTorch case)
CASES = [
    ("log_softmax kernels", "log_softmax_fwd_bwd/simd", "log_softmax_fwd_bwd/scalar", "log_softmax_kernels"),
    ("log_softmax op+autograd", "log_softmax_op_fwd_bwd/last_dim", None, "log_softmax_autograd"),
    ("cross_entropy fused/F.ce", "cross_entropy_fwd_bwd/simd", "cross_entropy_fwd_bwd/scalar",
     "cross_entropy_autograd"),
]


def tapegrad_times(binary, rows, cols):
    """Wall time (seconds) of each tapegrad case at this shape."""
    prefixes = [c[1] for c in CASES] + [c[2] for c in CASES if c[2]]
    pattern = "^(" + "|".join(prefixes) + f")/{rows}/{cols}$"
    out = subprocess.run(
        [binary, f"--benchmark_filter={pattern}", "--benchmark_format=json", "--benchmark_min_time=0.2"],
        check=True, capture_output=True, text=True).stdout
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    return {b["name"].rsplit("/", 2)[0]: b["real_time"] * scale[b["time_unit"]] for b in json.loads(out)["benchmarks"]}


def torch_times(torch, rows, cols, threads):
    """Fastest wall time (seconds) of each PyTorch case at this shape with `threads` threads."""
    import torch.nn.functional as F
    from torch.utils.benchmark import Timer

    torch.manual_seed(0)
    x = (torch.rand(rows, cols) * 10 - 5).requires_grad_()
    g = torch.rand(rows, cols) * 2 - 1
    t = torch.randint(0, cols, (rows,))
    xd = x.detach()

    def log_softmax_kernels():
        y = torch._log_softmax(xd, 1, False)
        torch._log_softmax_backward_data(g, y, 1, xd.dtype)

    def log_softmax_autograd():
        x.grad = None
        torch.log_softmax(x, 1).backward(g)

    def cross_entropy_autograd():
        x.grad = None
        F.cross_entropy(x, t).backward()

    fns = {"log_softmax_kernels": log_softmax_kernels, "log_softmax_autograd": log_softmax_autograd,
           "cross_entropy_autograd": cross_entropy_autograd}
    best = {}
    for name, fn in fns.items():
        timer = Timer(stmt="fn()", globals={"fn": fn}, num_threads=threads)
        best[name] = min(timer.blocked_autorange(min_run_time=0.2).times)
    return best


def keep_min(best, times):
    for name, t in times.items():
        best[name] = min(best.get(name, float("inf")), t)


def fmt_us(seconds):
    return f"{seconds * 1e6:10.1f}"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "build", "bench", "bench_softmax")
    if not os.access(binary, os.X_OK):
        sys.exit(f"benchmark binary not found: {binary} (build it with `cmake --build build --target benchmarks`)")
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: showing tapegrad's times only.\n")

    thread_counts = []
    if torch is not None:
        default_threads = torch.get_num_threads()
        thread_counts = sorted({1, default_threads, os.cpu_count() or 1})
        capability = [line.strip() for line in torch.__config__.show().splitlines() if "CPU capability" in line]
        print(f"PyTorch {torch.__version__}, default threads {default_threads}, cpu_count {os.cpu_count()}, "
              f"{capability[0] if capability else 'CPU capability unknown'}")
    print("times in microseconds (fastest of the rounds), float32; simd/scalar = speed-up of the xsimd kernels over\n"
          "their scalar twins; ratio = PyTorch time / tapegrad time (>1: tapegrad faster)\n")

    header = f"{'case':26s} {'shape':>11s} {'tapegrad':>10s} {'scalar':>10s} {'simd/scalar':>11s}"
    for n in thread_counts:
        header += f" {'torch T=' + str(n):>11s} {'ratio':>6s}"
    print(header)
    for rows, cols in SHAPES:
        tg, per_threads = {}, {n: {} for n in thread_counts}
        for _ in range(ROUNDS):
            keep_min(tg, tapegrad_times(binary, rows, cols))
            for n in thread_counts:
                keep_min(per_threads[n], torch_times(torch, rows, cols, n))
        for label, prefix, scalar, torch_case in CASES:
            line = f"{label:26s} {f'{rows}x{cols}':>11s} {fmt_us(tg[prefix])}"
            if scalar:
                line += f" {fmt_us(tg[scalar])} {tg[scalar] / tg[prefix]:11.2f}"
            else:
                line += f" {'-':>10s} {'-':>11s}"
            for n in thread_counts:
                pt = per_threads[n][torch_case]
                line += f" {fmt_us(pt):>11s} {pt / tg[prefix]:6.2f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
