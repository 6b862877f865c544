"""Summarise a py-spy profile in the raw (collapsed stacks) format: the frames where most
samples were taken (self), and the functions most often on the stack (inclusive).

    BENCH_PROFILE=/tmp/prof python bench/alert_latency.py --heartbeats 1000 --window 10
    python bench/profile_summary.py /tmp/prof/serve-*.txt [--top 40] [--match cronbeat]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only frames whose text contains this")
    args = parser.parse_args()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in args.profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    print(f"samples: {total}")
    for title, counter in (("self", own), ("inclusive", inclusive)):
        shown = [(f, n) for f, n in counter.most_common() if args.match in f][:args.top]
        for frame, samples in shown:
            print(f"{title} {samples / total:6.1%} {frame[:140]}")


if __name__ == "__main__":
    main()
