"""Draws bench/scaling_curves.sh's CSV: training samples/s and cost per sample against the batch size,
samples/s against the width, and peak RSS against the batch size, one line per framework and thread count.
Usage: plot_scaling.py scaling.csv -o scaling.png"""
import argparse
import csv
from collections import defaultdict

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    with open(args.csv) as f:
        rows = list(csv.DictReader(f))
    series = defaultdict(list)  # (framework, threads) -> rows
    for r in rows:
        series[(r["framework"], r["threads"])].append(r)

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    (by_batch, per_sample), (by_width, rss) = axes
    for (framework, threads), rs in sorted(series.items()):
        label = f"{framework}, {threads} thread{'s' if threads != '1' else ''}"
        style = "-" if framework == "tapegrad" else "--"
        batch = sorted((int(r["batch"]), float(r["train_samples_per_s"]), float(r["peak_rss_mb"]))
                       for r in rs if float(r["width"]) == 1.0)
        width = sorted((float(r["width"]), float(r["train_samples_per_s"])) for r in rs if int(r["batch"]) == 64)
        by_batch.plot([b for b, _, _ in batch], [s for _, s, _ in batch], style, marker="o", label=label)
        per_sample.plot([b for b, _, _ in batch], [1e6 / s for _, s, _ in batch], style, marker="o", label=label)
        rss.plot([b for b, _, _ in batch], [m for _, _, m in batch], style, marker="o", label=label)
        by_width.plot([w for w, _ in width], [s for _, s in width], style, marker="o", label=label)
    for ax, title, xlabel, ylabel in (
            (by_batch, "training throughput (width 1)", "batch size", "samples/s"),
            (per_sample, "cost per sample (width 1)", "batch size", "µs per sample"),
            (by_width, "training throughput (batch 64)", "width (x seed network)", "samples/s"),
            (rss, "peak RSS (width 1)", "batch size", "MB")):
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.grid(True, alpha=0.3)
    by_width.set_yscale("log")
    by_batch.legend(fontsize=8)
    fig.suptitle("Seed MLP training, tapegrad vs PyTorch 1.13 (data/mnist, 1 epoch per point)")
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
