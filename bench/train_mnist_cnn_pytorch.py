#!/usr/bin/env python3
"""PyTorch 1.13 side of bench/compare_cnn.sh: PyTorch's MNIST example network (pytorch/examples mnist)
trained on the same IDX files tapegrad's `mnist --model cnn` reads, with the same batch size and
optimizer settings. Prints one line per epoch and a last JSON line: samples/s of training, test
accuracy, peak RSS (MiB).

  train_mnist_cnn_pytorch.py --data data/mnist --epochs 1 [--optimizer sgd|adadelta] [--threads N]
"""
import argparse, gzip, json, resource, struct, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    nd = magic & 0xFF
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = self.dropout1(F.max_pool2d(x, 2))
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return F.log_softmax(self.fc2(self.dropout2(x)), dim=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="data/mnist")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--optimizer", default="adadelta", choices=["sgd", "adadelta"])
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    norm = lambda x: (torch.from_numpy(x.astype(np.float32) / 255.0) - 0.1307) / 0.3081
    xtr = norm(idx(f"{a.data}/train-images-idx3-ubyte.gz")).unsqueeze(1)
    ytr = torch.from_numpy(idx(f"{a.data}/train-labels-idx1-ubyte.gz").astype(np.int64))
    xte = norm(idx(f"{a.data}/t10k-images-idx3-ubyte.gz")).unsqueeze(1)
    yte = torch.from_numpy(idx(f"{a.data}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    model = Net()
    if a.optimizer == "adadelta":
        opt = torch.optim.Adadelta(model.parameters(), lr=a.lr or 1.0)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=a.lr or 0.05, momentum=a.momentum)
        sched = None
    best_rate, acc = 0.0, 0.0
    for epoch in range(1, a.epochs + 1):
        model.train()
        perm = torch.randperm(len(xtr))
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(xtr), a.batch_size):
            idxs = perm[i:i + a.batch_size]
            opt.zero_grad()
            loss = F.nll_loss(model(xtr[idxs]), ytr[idxs])
            loss.backward()
            opt.step()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        rate = len(xtr) / dt
        best_rate = max(best_rate, rate)
        if sched:
            sched.step()
        model.eval()
        with torch.no_grad():
            correct = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, len(xte), 1000))
        acc = 100.0 * correct / len(xte)
        print(f"epoch {epoch}: accuracy {acc:.2f} %, {dt:.1f} s, {rate:.0f} samples/s, {cpu:.1f} CPU s", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"samples_per_second": round(best_rate, 1), "accuracy": acc, "peak_rss_mib": round(rss, 1),
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
