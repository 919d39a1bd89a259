"""Synthetic face generation rate on one core, for each variant (goal: at least 5,000 images/s at
64x64), and the rich faces' rate as a ratio of the simple faces' measured in the same run.

python bench/bench_synthetic.py [--images 20000] [--size 64] [--batch 1024] [--variants simple rich]

Rates are the best of three passes by the wall clock on one thread; the CPU-time rate beside it
is what the process itself spent, and stays close to the idle machine's rate when other work
shares the cores.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from aelatent.data import synthetic  # noqa: E402

GOAL = 5000


def rate(variant: str, images: int, size: int, batch: int) -> tuple[float, float]:
    """(images/s by the wall clock, images/s of CPU time), best of three passes."""
    factors = synthetic.sample_factors(images, 0, variant)
    synthetic.render_faces(factors[:batch], size, variant)  # warm-up
    wall = cpu = float("inf")
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        for a in range(0, images, batch):
            synthetic.render_faces(factors[a : a + batch], size, variant)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return images / wall, images / cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=20_000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--variants", nargs="+", default=list(synthetic.VARIANTS), choices=synthetic.VARIANTS)
    args = ap.parse_args()
    rates = {}
    for variant in args.variants:
        rates[variant] = rate(variant, args.images, args.size, args.batch)
        wall, cpu = rates[variant]
        n = len(synthetic.factor_names(variant))
        print(
            f"{variant:>6} ({n} factors): {args.images} faces of {args.size} px on one core: "
            f"{wall:.0f} images/s (CPU time: {cpu:.0f}/s; goal >= {GOAL})"
        )
    if "simple" in rates and "rich" in rates:
        print(
            f"rich / simple: {rates['rich'][0] / rates['simple'][0]:.2f} by the wall clock, "
            f"{rates['rich'][1] / rates['simple'][1]:.2f} by CPU time"
        )


if __name__ == "__main__":
    main()
