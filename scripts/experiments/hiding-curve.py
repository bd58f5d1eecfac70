#!/usr/bin/env python3
"""Revealed APD against container APD per codec for image-hiding models (issue 14).

Reads `robusthide evaluate --format json` reports of image-hiding models (one per
container budget) and draws one line per codec, with the paper's Fig. 5 point
(container 9.13, revealed 8.54), the issue's targets (container <= 4.6, revealed <= 8.5)
and the 64x64-thumbnail reference. Usage:

    scripts/experiments/hiding-curve.py OUT.png REPORT.json [REPORT.json ...]
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CODECS = {"jpeg:50": "JPEG Q50", "jpeg2000:500": "JPEG 2000 rate 500", "webp:50": "WebP 50",
          "identity": "no attack"}


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    reports = []
    for path in argv[2:]:
        with open(path) as f:
            reports.append(json.load(f))
    reports.sort(key=lambda r: r["container"]["apd"])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for spec, label in CODECS.items():
        xs, ys = [], []
        for r in reports:
            for row in r["rows"]:
                if row["attack"].split(":")[0:2] == spec.split(":")[0:2]:
                    xs.append(r["container"]["apd"])
                    ys.append(row["revealed_apd"])
        if xs:
            ax.plot(xs, ys, marker="o", label=label)
    ax.scatter([9.13], [8.54], marker="*", s=160, color="black", zorder=5,
               label="paper, Fig. 5 (float container, mean over codecs)")
    thumb = sum(r["reference"]["thumbnail_apd"] for r in reports) / len(reports)
    ax.axhline(thumb, color="grey", linestyle=":", label=f"64x64 thumbnail of the secret ({thumb:.2f})")
    ax.axvline(4.6, color="red", linestyle="--", linewidth=0.8)
    ax.axhline(8.5, color="red", linestyle="--", linewidth=0.8, label="targets: container 4.6, revealed 8.5")
    ax.set_xlabel("container APD (x255), cover vs 8-bit container")
    ax.set_ylabel("revealed APD (x255), secret vs revealed")
    ax.set_title("Image hiding on the 100 validation photos (128x128 centre crops)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(argv[1], dpi=110)


if __name__ == "__main__":
    main(sys.argv)
