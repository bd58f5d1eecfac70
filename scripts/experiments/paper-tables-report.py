#!/usr/bin/python3
"""Tables 1-3 of the paper beside ours, and their figures (issue 15).

Reads OUT/NAME.eval.json (scripts/experiments/paper-tables-evaluate.sh) and
OUT/NAME/log.csv of every run, prints the tables as Markdown (BER % with the 95%
Wilson interval) and writes two PNGs:
  IMG/paper-tables-ber.png     BER vs quality per codec, one line per model, the paper's
                               points on the same axes
  IMG/paper-tables-curves.png  each model's learning curve (validation BER under its own
                               training attack, and PSNR) against the optimizer step

  scripts/experiments/paper-tables-report.py OUT [--img docs/img] [--prefix paper-tables]
      [--images '100 validation photos resized to 128']
"""
import argparse
import csv
import json
import math
import os
import sys

# The paper's BER % (reference.md section 4). Table 1: JPEG Q -> column.
PAPER_TABLE1 = {
    "jpeg-drop": [49.33, 48.50, 47.62, 46.75, 46.08],
    "jpeg-mask": [46.23, 39.48, 32.77, 27.22, 18.57],
    "drop-mask": [46.38, 41.38, 38.48, 37.10, 34.93],
    "diffjpeg": [35.68, 22.00, 15.85, 14.03, 13.81],
    "real-jpeg": [31.22, 16.75, 12.63, 12.41, 12.00],
}
PAPER_TABLE2 = {"jpeg2000-500": [35.29, 4.16, 0.31, 0.04, 0.03]}
PAPER_TABLE3 = {"webp-50": [20.69, 15.37, 12.86, 12.17, 12.14]}
QUALITIES = {"jpeg": [10, 25, 50, 75, 90], "jpeg2000": [100, 250, 500, 750, 900],
             "webp": [10, 25, 50, 75, 90]}
LABELS = {
    "real-jpeg": "real JPEG (Q 10-90 split)",
    "jpeg-mask": "JPEG-Mask",
    "diffjpeg": "differentiable JPEG (Q50)",
    "jpeg-drop": "JPEG-Drop",
    "drop-mask": "JPEG-Drop + JPEG-Mask",
    "jpeg2000-500": "real JPEG 2000 (500)",
    "webp-50": "real WebP (50)",
    "jpeg-j2k-webp": "JPEG 50 + JPEG 2000 500 + WebP 50",
    "ref-real-jpeg": "reference nets, real JPEG",
    "ref-jpeg-mask": "reference nets, JPEG-Mask",
    "real-jpeg-seed2": "real JPEG, seed 2",
    "diffjpeg-seed2": "differentiable JPEG, seed 2",
    "jpeg-mask-seed2": "JPEG-Mask, seed 2",
    "jpeg-drop-seed2": "JPEG-Drop, seed 2",
    "drop-mask-seed2": "JPEG-Drop + JPEG-Mask, seed 2",
}
TABLE1 = ["jpeg-drop", "jpeg-mask", "drop-mask", "diffjpeg", "real-jpeg"]


def load(out):
    runs = {}
    for entry in sorted(os.listdir(out)):
        if not entry.endswith(".eval.json"):
            continue
        name = entry[: -len(".eval.json")]
        with open(os.path.join(out, entry)) as f:
            report = json.load(f)
        rows = {}
        for row in report["rows"]:
            codec, _, rest = row["attack"].partition(":")
            quality = int(rest.split(":")[0]) if rest else None
            rows[(codec, quality)] = row
        log = []
        path = os.path.join(out, name, "log.csv")
        if os.path.exists(path):
            with open(path) as f:
                log = list(csv.DictReader(f))
        runs[name] = {"report": report, "rows": rows, "log": log}
    return runs


def pct(row):
    return 100.0 * row["ber"], 100.0 * row["ber_ci_low"], 100.0 * row["ber_ci_high"]


def cell(row):
    ber, low, high = pct(row)
    return f"{ber:.3f} [{low:.3f}, {high:.3f}]"


def steps(run):
    return int(run["log"][-1]["step"]) if run["log"] else 0


def has_table(run, codec):
    return all((codec, q) in run["rows"] for q in QUALITIES[codec])


def table(runs, codec, names, paper):
    """One row per quality, one column per model: BER % [95% interval], then the paper's
    figure for that column after a slash where the paper has one. Models evaluated
    without this codec's table are left out."""
    names = [n for n in names if n in runs and has_table(runs[n], codec)]
    if not names:
        return ""
    head = [codec + " quality"] + [
        f"{LABELS.get(n, n)}, {steps(runs[n])} steps" + (" / paper" if n in paper else "")
        for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, q in enumerate(QUALITIES[codec]):
        cells = [str(q)]
        for n in names:
            c = cell(runs[n]["rows"][(codec, q)])
            cells.append(c + (f" / **{paper[n][i]:.2f}**" if n in paper else ""))
        lines.append("| " + " | ".join(cells) + " |")
    imperceptibility = ["PSNR dB / CIEDE2000"] + [
        f"{runs[n]['rows'][('identity', None)]['psnr_db']:.2f} / "
        f"{runs[n]['rows'][('identity', None)]['ciede2000_mean']:.2f}" for n in names]
    lines.append("| " + " | ".join(imperceptibility) + " |")
    return "\n".join(lines)


def plot_ber(runs, path, images):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    paper = {"jpeg": PAPER_TABLE1, "jpeg2000": PAPER_TABLE2, "webp": PAPER_TABLE3}
    titles = {"jpeg": "JPEG quality", "jpeg2000": "JPEG 2000 rate (OpenCV x1000)",
              "webp": "WebP quality"}
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2))
    colours = {}
    cycle = [plt.cm.tab20(i) for i in range(0, 20, 2)] + [plt.cm.tab20(i) for i in range(1, 20, 2)]
    floor = 1e-3  # BER % axis floor: 0 errors are drawn at their interval's upper end
    for ax, codec in zip(axes, ["jpeg", "jpeg2000", "webp"]):
        for name, run in runs.items():
            colour = colours.setdefault(name, cycle[len(colours) % len(cycle)])
            if not has_table(run, codec):
                continue
            qs = QUALITIES[codec]
            rows = [run["rows"][(codec, q)] for q in qs]
            ber = [max(pct(r)[0], floor) for r in rows]
            low = [max(pct(r)[1], floor) for r in rows]
            high = [max(pct(r)[2], floor) for r in rows]
            ax.plot(qs, ber, "o-", color=colour, label=LABELS.get(name, name), ms=4)
            ax.fill_between(qs, low, high, color=colour, alpha=0.12)
        for name, values in paper[codec].items():
            colour = colours.get(name, "black")
            ax.plot(QUALITIES[codec], values, "s--", color=colour, mfc="none", ms=6,
                    label=f"paper: {LABELS.get(name, name)}")
        ax.set_yscale("log")
        ax.set_ylim(floor * 0.8, 60)
        ax.set_xlabel(titles[codec])
        ax.set_ylabel("BER % (log; 0 errors drawn at the floor)")
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = [], []
    for ax in axes:
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in labels:
                handles.append(h)
                labels.append(l)
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    counts = sorted({r["report"]["messages_per_image"] for r in runs.values()})
    messages = "-".join(str(c) for c in (counts if len(counts) < 3 else [counts[0], counts[-1]]))
    fig.suptitle(f"BER vs quality on {images} ({messages} messages each); shaded: "
                 "95% Wilson interval; open squares, dashed: the paper")
    fig.tight_layout(rect=(0, 0.14, 1, 0.95))
    fig.savefig(path, dpi=90)


def plot_curves(runs, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax_ber, ax_psnr) = plt.subplots(1, 2, figsize=(14, 5))
    for i, (name, run) in enumerate(runs.items()):
        if not run["log"]:
            continue
        style = {"color": plt.cm.tab20(i % 20), "lw": 1,
                 "ls": "--" if name.endswith("-seed2") else ":" if name.startswith("ref-") else "-"}
        step = [int(r["step"]) for r in run["log"]]
        ber = [max(100.0 * float(r["val_ber"]), 1e-2) for r in run["log"]]
        psnr = [float(r["val_psnr_db"]) for r in run["log"]]
        ax_ber.plot(step, ber, label=LABELS.get(name, name), **style)
        ax_psnr.plot(step, psnr, label=LABELS.get(name, name), **style)
    ax_ber.set_yscale("log")
    ax_ber.set_xlabel("optimizer step (batch 30)")
    ax_ber.set_ylabel("validation BER % under the training attack (0 drawn at 0.01)")
    ax_psnr.set_xlabel("optimizer step (batch 30)")
    ax_psnr.set_ylabel("validation PSNR dB")
    for ax in (ax_ber, ax_psnr):
        ax.grid(True, which="both", alpha=0.3)
    ax_psnr.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--img", default=None, help="folder for the PNGs (none: no plots)")
    parser.add_argument("--prefix", default="paper-tables")
    parser.add_argument("--images", default="100 validation crops",
                        help="what the evaluations ran on, for the BER figure's title")
    args = parser.parse_args()
    runs = load(args.out)
    if not runs:
        sys.exit(f"paper-tables-report: no NAME.eval.json in {args.out}")
    seed1 = [n[: -len("-seed2")] for n in runs if n.endswith("-seed2")]
    sections = [
        ("Table 1: JPEG", "jpeg", TABLE1, PAPER_TABLE1),
        ("Second seeds (seed 1 beside seed 2)", "jpeg",
         [x for n in seed1 for x in (n, n + "-seed2")], {}),
        ("Other models under JPEG", "jpeg",
         ["jpeg-j2k-webp", "ref-real-jpeg", "ref-jpeg-mask"], PAPER_TABLE1),
        ("Table 2: JPEG 2000", "jpeg2000", ["jpeg2000-500", "jpeg-j2k-webp", "real-jpeg"],
         PAPER_TABLE2),
        ("Table 3: WebP", "webp", ["webp-50", "jpeg-j2k-webp", "real-jpeg"], PAPER_TABLE3),
    ]
    for title, codec, names, paper in sections:
        text = table(runs, codec, names, paper)
        if text:
            print(f"#### {title}\n\nBER % [95% interval]" +
                  (" / **the paper's BER %**" if any(n in paper for n in names) else "") +
                  f"\n\n{text}\n")
    if args.img:
        os.makedirs(args.img, exist_ok=True)
        plot_ber({n: r for n, r in runs.items() if not n.endswith("-seed2")},
                 os.path.join(args.img, f"{args.prefix}-ber.png"), args.images)
        plot_curves(runs, os.path.join(args.img, f"{args.prefix}-curves.png"))
        print(f"\nfigures: {args.img}/{args.prefix}-ber.png, {args.prefix}-curves.png",
              file=sys.stderr)


if __name__ == "__main__":
    main()
