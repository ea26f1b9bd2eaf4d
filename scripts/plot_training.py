#!/usr/bin/python3
"""Draws the loss and accuracy curves of a training run from the mnist example's --log-csv file.

  scripts/plot_training.py run.csv -o curves.png [--title TEXT]
  scripts/plot_training.py a.csv b.csv -o compare.png     # several runs on the same axes

Reads the columns by name (epoch, train_loss, test_accuracy; others are ignored). Needs
python3-matplotlib (Debian); draws without a display (Agg backend).
"""
import argparse
import csv
import os
import sys


def read_run(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    missing = {"epoch", "train_loss", "test_accuracy"} - set(rows[0] if rows else {})
    if not rows or missing:
        sys.exit(f"{path}: expected a --log-csv file with rows and the columns epoch, train_loss, test_accuracy"
                 + (f" (missing: {', '.join(sorted(missing))})" if rows else " (no rows)"))
    return {name: [float(r[name]) for r in rows] for name in ("epoch", "train_loss", "test_accuracy")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+", help="--log-csv files of the mnist example")
    parser.add_argument("-o", "--output", required=True, help="image to write (.png, .svg, .pdf)")
    parser.add_argument("--title", default=None)
    args = parser.parse_args()
    try:
        import matplotlib
    except ImportError:
        sys.exit("plot_training.py needs matplotlib: apt-get install python3-matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for path in args.csv:
        run = read_run(path)
        label = os.path.splitext(os.path.basename(path))[0]
        loss_ax.plot(run["epoch"], run["train_loss"], marker="o", label=label)
        acc_ax.plot(run["epoch"], run["test_accuracy"], marker="o", label=label)
        acc_ax.annotate(f"{run['test_accuracy'][-1]:.2f} %", (run["epoch"][-1], run["test_accuracy"][-1]),
                        textcoords="offset points", xytext=(0, -18), ha="center")
    loss_ax.set(title="training loss (epoch mean)", xlabel="epoch", ylabel="loss")
    acc_ax.set(title="test accuracy", xlabel="epoch", ylabel="accuracy (%)")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if len(args.csv) > 1:
            ax.legend()
    if args.title:
        fig.suptitle(args.title)
    fig.savefig(args.output, dpi=100)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
