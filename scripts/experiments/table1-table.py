#!/usr/bin/env python3
"""Prints the Markdown table of docs/results.md from table1-reduced.sh's output.

    scripts/experiments/table1-table.py [OUT]      # default OUT: out/table1
"""
import csv
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "out/table1"
columns = [("jpeg-drop", "JPEG-Drop"), ("jpeg-mask", "JPEG-Mask"),
           ("diffjpeg", "Diff. JPEG (Shin & Song) Q50"), ("real-jpeg50", "Real JPEG Q50, straight-through")]
paper = {10: [49.33, 46.23, 35.68, 31.22], 25: [48.50, 39.48, 22.00, 16.75],
         50: [47.62, 32.77, 15.85, 12.63], 75: [46.75, 27.22, 14.03, 12.41],
         90: [46.08, 18.57, 13.81, 12.00]}
rows, psnr, ssim, train = {}, {}, {}, {}
for name, _ in columns:
    for r in csv.DictReader(open(os.path.join(out, name + ".eval.csv"))):
        rows.setdefault(r["attack"], {})[name] = 100 * float(r["ber"])
        psnr[name], ssim[name] = float(r["psnr_db"]), float(r["ssim"])
    log = list(csv.DictReader(open(os.path.join(out, name, "log.csv"))))
    train[name] = (int(log[-1]["step"]), float(log[-1]["seconds"]))
print("| attack at evaluation | " + " | ".join(t for _, t in columns) + " | paper (same columns) |")
print("|---|" + "---|" * (len(columns) + 1))
for attack, by in rows.items():
    q = int(attack.split(":")[1]) if attack.startswith("jpeg:") else None
    ref = " / ".join(f"{v:.2f}" for v in paper[q]) if q in paper else "—"
    print(f"| {attack} | " + " | ".join(f"{by[n]:.2f}" for n, _ in columns) + f" | {ref} |")
print("| PSNR dB (cover vs encoded) | " + " | ".join(f"{psnr[n]:.2f}" for n, _ in columns) + " | — |")
print("| SSIM | " + " | ".join(f"{ssim[n]:.3f}" for n, _ in columns) + " | — |")
print("| training steps / wall time | " + " | ".join(
    f"{train[n][0]} / {train[n][1] / 60:.0f} min" for n, _ in columns) + " | — |")
