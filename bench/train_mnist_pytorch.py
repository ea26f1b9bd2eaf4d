#!/usr/bin/python3
"""PyTorch 1.13 twin of bench/train_mnist_bench.cpp: the same data, model, batch, optimizer and metrics.

The seed network (Linear/ReLU 784-512-256-128-64-10), CrossEntropyLoss, SGD(lr 0.01, momentum 0.5),
batch 64, a new random permutation each epoch, Normalize(0.1307, 0.3081). The IDX files are read
into uint8 tensors once at startup (like tapegrad's MNIST dataset); each batch is gathered from
them by index and converted as torchvision's ToTensor + Normalize would (x / 255, then (x - mean) /
std in float32) -- no DataLoader, so data loading costs next to nothing. Evaluation runs under
torch.no_grad() with model.eval().

Prints the same lines as the C++ program and, last, one JSON object with the same keys
(allocs_per_step is null: PyTorch's allocations are not counted here).
"""
import argparse
import gzip
import json
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.1307, 0.3081


def read_idx(root, name):
    """The array in <root>/<name> (raw preferred) or <root>/<name>.gz, as uint8."""
    path = os.path.join(root, name)
    if os.path.exists(path):
        opener = open
    elif os.path.exists(path + ".gz"):
        opener, path = gzip.open, path + ".gz"
    else:
        sys.exit(f"train_mnist_pytorch: missing {path}[.gz]\n"
                 "  Fashion-MNIST (the default) comes from Debian: sudo apt-get install dataset-fashion-mnist")
    with opener(path, "rb") as f:
        zero, dtype, ndim = struct.unpack(">HBB", f.read(4))
        if zero != 0 or dtype != 0x08:
            sys.exit(f"train_mnist_pytorch: {path} is not a ubyte IDX file")
        dims = struct.unpack(">" + "I" * ndim, f.read(4 * ndim))
        # Read straight into the array, 1 MiB at a time: one copy of the data in memory, no temporaries.
        array = np.empty(dims, dtype=np.uint8)
        view, filled = memoryview(array).cast("B"), 0
        while filled < array.size:
            n = f.readinto(view[filled:filled + (1 << 20)])
            if not n:
                sys.exit(f"train_mnist_pytorch: {path} is shorter than its header says")
            filled += n
    return array


def load_split(root, prefix):
    images = read_idx(root, f"{prefix}-images-idx3-ubyte")
    labels = read_idx(root, f"{prefix}-labels-idx1-ubyte")
    images = torch.from_numpy(images.reshape(images.shape[0], -1))  # (N, 784) uint8, no copy
    labels = torch.from_numpy(labels.astype(np.int64))
    return images, labels


def to_input(images_u8):
    """uint8 pixels -> normalised float32, as ToTensor() + Normalize(MEAN, STD)."""
    return images_u8.to(torch.float32).div_(255.0).sub_(MEAN).div_(STD)


def make_model(width=1.0):
    """The seed network, its hidden layers scaled by width (1: 784-512-256-128-64-10)."""
    h = [max(1, int(size * width + 0.5)) for size in (512, 256, 128, 64)]
    return nn.Sequential(nn.Linear(784, h[0]), nn.ReLU(), nn.Linear(h[0], h[1]), nn.ReLU(), nn.Linear(h[1], h[2]),
                         nn.ReLU(), nn.Linear(h[2], h[3]), nn.ReLU(), nn.Linear(h[3], 10))


def train_epoch(model, criterion, optimizer, images, labels, batch_size):
    order = torch.randperm(images.shape[0])
    loss_sum, steps = 0.0, 0
    start = time.perf_counter()
    for first in range(0, images.shape[0], batch_size):
        index = order[first:first + batch_size]
        x, y = to_input(images[index]), labels[index]
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item()
        steps += 1
    return time.perf_counter() - start, images.shape[0], loss_sum / max(steps, 1)


def evaluate(model, images, labels, batch_size, passes):
    """(accuracy in percent, the best samples/s of `passes` passes over the test set)."""
    model.eval()
    best_rate, accuracy = 0.0, 0.0
    with torch.no_grad():
        for _ in range(passes):
            correct = 0
            start = time.perf_counter()
            for first in range(0, images.shape[0], batch_size):
                x = to_input(images[first:first + batch_size])
                predicted = model(x).argmax(1)
                correct += int((predicted == labels[first:first + batch_size]).sum())
            best_rate = max(best_rate, images.shape[0] / (time.perf_counter() - start))
            accuracy = 100.0 * correct / images.shape[0]
    model.train()
    return accuracy, best_rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder with the four MNIST-format IDX files")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads(N); default: PyTorch's own")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--eval-batch", type=int, default=1000)
    parser.add_argument("--eval-passes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--width", type=float, default=1.0, help="scale of the hidden layers (1: the seed network)")
    parser.add_argument("--label", default="", help="a name for this configuration, copied into the JSON")
    args = parser.parse_args()

    if not os.path.isdir(args.data):
        sys.exit(f"train_mnist_pytorch: no dataset folder {args.data}\n"
                 "  Fashion-MNIST (the default) comes from Debian: sudo apt-get install dataset-fashion-mnist")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    load_start = time.perf_counter()
    train_images, train_labels = load_split(args.data, "train")
    test_images, test_labels = load_split(args.data, "t10k")
    load_seconds = time.perf_counter() - load_start
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "OMP_PROC_BIND", "GOMP_CPU_AFFINITY") if k in os.environ}
    print(f"pytorch {torch.__version__}: {args.data}: {len(train_labels)} training, {len(test_labels)} test images "
          f"(loaded in {load_seconds:.2f} s); {torch.get_num_threads()} threads; env {env or '{}'}")

    model = make_model(args.width)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    model.train()

    epoch_seconds, samples, loss = [], 0, 0.0
    for epoch in range(1, args.epochs + 1):
        seconds, n, loss = train_epoch(model, criterion, optimizer, train_images, train_labels, args.batch_size)
        epoch_seconds.append(seconds)
        samples += n
        print(f"epoch {epoch}: {seconds:.2f} s, {n / seconds:.0f} samples/s, mean loss {loss:.4f}", flush=True)
    accuracy, eval_rate = evaluate(model, test_images, test_labels, args.eval_batch, args.eval_passes)

    train_rate = samples / sum(epoch_seconds)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(f"training:   {train_rate:.0f} samples/s over {args.epochs} epoch(s), "
          f"{sum(epoch_seconds) / args.epochs:.2f} s per epoch")
    print(f"test:       accuracy {accuracy:.2f} %, evaluation {eval_rate:.0f} samples/s "
          f"(batch {args.eval_batch}, no grad, best of {args.eval_passes})")
    print(f"peak RSS:   {rss:.1f} MB")
    print(json.dumps({
        "framework": "pytorch", "label": args.label, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "env": env, "epochs": args.epochs, "batch_size": args.batch_size,
        "train_samples_per_s": round(train_rate, 1), "epoch_seconds": [round(s, 6) for s in epoch_seconds],
        "final_mean_loss": round(loss, 5), "test_accuracy": round(accuracy, 2), "eval_batch": args.eval_batch,
        "eval_samples_per_s": round(eval_rate, 1), "peak_rss_mb": round(rss, 1), "allocs_per_step": None,
        "load_seconds": round(load_seconds, 3)}))


if __name__ == "__main__":
    main()
