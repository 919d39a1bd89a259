"""Synthetic face generation rate on one core (goal: at least 5,000 images/s at 64x64).

python bench/bench_synthetic.py [--images 20000] [--size 64] [--batch 1024]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from aelatent.data import synthetic  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=20_000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=1024)
    args = ap.parse_args()
    factors = synthetic.sample_factors(args.images, 0)
    synthetic.render_faces(factors[: args.batch], args.size)  # warm-up
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for a in range(0, args.images, args.batch):
            synthetic.render_faces(factors[a : a + args.batch], args.size)
        best = min(best, time.perf_counter() - t0)
    rate = args.images / best
    print(f"{args.images} faces of {args.size} px on one core: {rate:.0f} images/s (goal >= 5000)")


if __name__ == "__main__":
    main()
