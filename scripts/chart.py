#!/usr/bin/env python3
"""Draws the frame-time distribution that the Godot benchmark scene wrote
(GDT_BENCH_OUT=file.csv, columns scenario,frame_us) as a PNG.

usage: scripts/chart.py frames.csv docs/frame-times.png
"""
import csv
import sys
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src, dst):
    series = OrderedDict()
    with open(src, newline="") as f:
        for row in csv.DictReader(f):
            series.setdefault(row["scenario"], []).append(int(row["frame_us"]))
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=100)
    # One colour per scene; the seed recipe's pump dashed, the crate's solid.
    colours = {}
    for name, values in series.items():
        pump, _, scene = name.partition(": ")
        colour = colours.setdefault(scene, f"C{len(colours)}")
        values.sort()
        n = len(values)
        ax.step(values, [(i + 1) / n * 100 for i in range(n)], where="post",
                color=colour, linestyle="--" if pump == "seed recipe" else "-",
                label=f"{name} (median {values[n // 2]} us, p99 {values[int(n * 0.99)]} us)")
    ax.set_xscale("log")
    ax.set_xlabel("frame time, microseconds (log scale), uncapped fps, headless Godot 3.2.3")
    ax.set_ylabel("% of frames at or below")
    ax.set_title("frame-time distribution over 600 frames: seed recipe's pump (dashed) and gdnative-tokio's")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
