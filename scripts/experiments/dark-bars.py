#!/usr/bin/env python3
"""The mark's bars in dark, smooth backgrounds, per photo (docs/visibility.md, "Session 12").

    scripts/experiments/dark-bars.py COVERS MARKED [--min-share 0.1]

COVERS: a folder of cover photos; MARKED: a folder of their marked PNGs with the same
base names (e.g. from `robusthide embed -i COVERS -o MARKED --hex ...`). For each photo
the "dark smooth" region is where the cover's 9x9 luminance mean is below 60 and its 9x9
standard deviation below 4 (0..255, Y = 0.299 R + 0.587 G + 0.114 B); there the mark's
luminance change is averaged over 9 pixels vertically (which keeps the networks' vertical
bars and averages away pixel noise) and its RMS is reported in 8-bit levels. Photos with
less than --min-share of their area in the region are skipped. The per-pixel CIEDE2000
metrics do not see these bars; at 1x they were seen at RMS 0.7-1.0 (45096, 160068,
302008, 306005 with the default model).
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image


def box(a, ry, rx):
    """Mean over a (2 ry + 1) x (2 rx + 1) window, edges replicated."""
    p = np.pad(a, ((ry + 1, ry), (rx + 1, rx)), mode="edge")
    c = p.cumsum(0).cumsum(1)
    h, w = a.shape
    ky, kx = 2 * ry + 1, 2 * rx + 1
    s = c[ky:ky + h, kx:kx + w] - c[:h, kx:kx + w] - c[ky:ky + h, :w] + c[:h, :w]
    return s / (ky * kx)


def luma(path):
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
    return rgb @ np.array([0.299, 0.587, 0.114])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("covers")
    ap.add_argument("marked")
    ap.add_argument("--min-share", type=float, default=0.1)
    a = ap.parse_args()
    covers = {os.path.splitext(f)[0]: f for f in os.listdir(a.covers)}
    rows, total = [], 0
    for f in sorted(os.listdir(a.marked)):
        name = os.path.splitext(f)[0]
        if name not in covers:
            continue
        y = luma(os.path.join(a.covers, covers[name]))
        m = luma(os.path.join(a.marked, f))
        if y.shape != m.shape:
            sys.exit(f"dark-bars: {f} is {m.shape[1]}x{m.shape[0]}, its cover {y.shape[1]}x{y.shape[0]}")
        total += 1
        mean = box(y, 4, 4)
        sd = np.sqrt(np.maximum(box(y * y, 4, 4) - mean * mean, 0))
        region = (mean < 60) & (sd < 4)
        share = region.mean()
        if share < a.min_share:
            continue
        bars = box(m - y, 4, 0)
        rows.append((name, share, float(np.sqrt((bars[region] ** 2).mean()))))
    print(f"{total} photos; {len(rows)} with >= {a.min_share:.0%} of their area dark and smooth")
    print("photo      share  bars RMS (levels)")
    for name, share, rms in sorted(rows, key=lambda r: -r[2]):
        print(f"{name:10s} {share:5.2f}  {rms:.3f}")


if __name__ == "__main__":
    main()
