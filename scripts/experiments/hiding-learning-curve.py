#!/usr/bin/env python3
"""Learning curve of an image-hiding run: revealed APD per validation attack and the
training APD against the step, from its log.csv (train-hiding). Usage:

    scripts/experiments/hiding-learning-curve.py OUT.png LOG.csv
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    with open(argv[2]) as f:
        rows = list(csv.DictReader(f))
    steps = [int(r["step"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(steps, [float(r["train_revealed_apd"]) for r in rows], color="grey",
            linestyle="--", label="training (mean over the split's codecs)")
    for key in rows[0]:
        if key.startswith("val_revealed_apd["):
            ax.plot(steps, [float(r[key]) for r in rows], marker=".",
                    label="validation, " + key[len("val_revealed_apd["):-1])
    ax.set_xlabel("step (batch 16)")
    ax.set_ylabel("revealed APD (x255)")
    ax.set_title("Image hiding: learning curve (container APD %.2f)" %
                 float(rows[-1]["val_container_apd"]))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(argv[1], dpi=110)


if __name__ == "__main__":
    main(sys.argv)
