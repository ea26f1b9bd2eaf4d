#!/usr/bin/python3
"""PyTorch 1.13's side of bench_views' attention_scores and lstm_loop, for side-by-side runs:
   /usr/bin/python3 bench/compare_views_pytorch.py [--threads N]
Prints the median time of q @ k.transpose(-2, -1) for q, k of shape (12, 4, 64, 32), and of the
2-layer LSTM-like loop over x.unbind(0) (batch 32, hidden 128) at T = 50 and 200, forward + backward."""
import argparse
import statistics
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=torch.get_num_threads())
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


def median_time(fn, min_seconds=1.0):
    fn()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


q = torch.randn(12, 4, 64, 32)
k = torch.randn(12, 4, 64, 32)
t = median_time(lambda: q @ k.transpose(-2, -1))
print(f"pytorch attention_scores {t * 1e6:.1f} us ({2 * 12 * 4 * 64 * 64 * 32 / t / 1e9:.1f} GFLOP/s), threads {args.threads}")

batch, hidden = 32, 128
layers = [[(torch.randn(4 * hidden, hidden) * 0.05).requires_grad_(),
           (torch.randn(4 * hidden, hidden) * 0.05).requires_grad_(),
           torch.zeros(4 * hidden, requires_grad=True)] for _ in range(2)]


def lstm_loop(x):
    inp = x
    for w_ih, w_hh, b in layers:
        h = torch.zeros(batch, hidden)
        c = torch.zeros(batch, hidden)
        outs = []
        for step in inp.unbind(0):
            gates = (torch.nn.functional.linear(step, w_ih, b) + torch.nn.functional.linear(h, w_hh)).chunk(4, 1)
            c = torch.sigmoid(gates[1]) * c + torch.sigmoid(gates[0]) * torch.tanh(gates[2])
            h = torch.sigmoid(gates[3]) * torch.tanh(c)
            outs.append(h)
        inp = torch.stack(outs)
    inp.sum().backward()
    for layer in layers:
        for p in layer:
            p.grad = None


for steps in (50, 200):
    x = torch.randn(steps, batch, hidden)
    t = median_time(lambda: lstm_loop(x), min_seconds=2.0)
    print(f"pytorch lstm_loop/{steps} {t * 1e3:.2f} ms")
