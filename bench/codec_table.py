#!/usr/bin/env python3
"""Formats codec_bench's JSON output as the Markdown table of docs/performance.md.

    build/codec_bench --benchmark_repetitions=3 --benchmark_format=json > bench.json
    bench/codec_table.py bench.json
"""
import json
import sys


def rate(b):
    return b["img/s"]


def main(path):
    data = json.load(open(path))
    med = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name", "median") != "median":
            continue
        name = b["run_name"] if "run_name" in b else b["name"].replace("_median", "")
        med[name] = b
    specs = ["jpeg:50", "jpeg2000:500", "webp:50", "mpeg4", "h264:crf=23"]
    print("| codec | size | 1 thread: ms/image | all cores: ms/image | speed-up | straight-through layer, all cores: ms/image | layer overhead over the codec |")
    print("|---|---|---|---|---|---|---|")
    for i, spec in enumerate(specs):
        for size in (128, 512):
            one = med.get(f"BM_Codec_OneThread/{i}/{size}/real_time")
            par = med.get(f"BM_Codec_Parallel/{i}/{size}/real_time")
            st = med.get(f"BM_StraightThrough/{i}/{size}/real_time")
            if not (one and par and st):
                continue
            o, p, s = 1e3 / rate(one), 1e3 / rate(par), 1e3 / rate(st)
            print(f"| `{spec}` | {size} | {o:.3f} | {p:.3f} | {o / p:.2f}x | {s:.3f} | {100 * (s / p - 1):+.0f}% |")
    print()
    for size in (128, 512):
        for acc in (0, 1):
            r = med.get(f"BM_RawTurboJpeg/{size}/{acc}/real_time")
            if r:
                kind = "accurate" if acc else "fast"
                print(f"- raw TurboJPEG Q50 4:2:0 round trip, {kind} DCT, {size}px, 1 thread: "
                      f"{1e3 / rate(r):.3f} ms/image ({rate(r):,.0f} images/s)")
        t = med.get(f"BM_StraightThroughTrain/{size}/real_time")
        if t:
            print(f"- straight-through `jpeg:50` forward + identity backward, batch 32, {size}px: "
                  f"{1e3 / rate(t):.3f} ms/image ({rate(t):,.0f} images/s)")


if __name__ == "__main__":
    main(sys.argv[1])
