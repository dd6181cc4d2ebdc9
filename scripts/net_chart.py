#!/usr/bin/env python3
"""Draws the HTTP and WebSocket rows that the Godot benchmark scene wrote
(GDT_BENCH_NET_OUT=file.csv, columns row,frames,seconds,ms_per_frame) as a
PNG: frames to the result (log scale) and main-thread ms per frame, one bar
per row, Godot's own clients grey, this crate's blue.

usage: scripts/net_chart.py net.csv docs/net-bench.png "engine label"
(scripts/chart.sh net runs the scene and this)
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def ours(name):
    return "Async" in name


def main(src, dst, engine):
    with open(src, newline="") as f:
        rows = [r for r in csv.DictReader(f)]
    names = [r["row"] for r in rows][::-1]
    frames = [max(1, int(r["frames"])) for r in rows][::-1]
    ms = [float(r["ms_per_frame"]) for r in rows][::-1]
    colours = ["C0" if ours(n) else "0.6" for n in names]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.38 * len(names) + 1.6), dpi=100,
                                      sharey=True)
    left.barh(names, frames, color=colours)
    left.set_xscale("log")
    left.set_xlabel("frames to the (last) result, log scale (0 drawn as 1)")
    for y, v in enumerate(frames):
        left.text(v, y, f" {v}", va="center", fontsize=7)
    right.barh(names, ms, color=colours)
    right.set_xlabel("main-thread CPU ms per frame while running")
    for y, v in enumerate(ms):
        right.text(v, y, f" {v:.2f}", va="center", fontsize=7)
    left.tick_params(axis="y", labelsize=7)
    fig.suptitle(f"HTTP and WebSocket at 60 fps, loopback server, {engine}: "
                 "Godot's clients (grey) vs gdnative-tokio (blue)", fontsize=9)
    fig.tight_layout()
    fig.savefig(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "headless Godot")
