"""Covariance/correlation of a 170,000 x 256 float32 zarr store: ours against np.corrcoef and dask.

Each method runs in its own process (best of 3): wall time and the increase of peak RSS over
the resident memory after imports. Prints ratios against the baselines measured in the same run.

    python bench/bench_moments.py [--rows 170000] [--dim 256] [--chunk 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def status_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field)) / 1024


def reset_peak() -> float:
    """Reset the peak-RSS mark (Linux: write 5 to clear_refs); return the resident memory now."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return status_mb("VmRSS")


def peak_mb() -> float:
    return status_mb("VmHWM")


def child(method: str, path: str, start: int, stop: int, workers: int) -> None:
    import zarr

    from aelatent.io.stream import iter_chunks
    from aelatent.stats.shards import chunk_moments

    z = zarr.open_array(path, mode="r")
    stop = stop or z.shape[0]
    if method == "dask":
        import dask.array as da

    base = reset_peak()
    t0 = time.perf_counter()
    if method == "read":
        for _ in iter_chunks(z, start, stop):
            pass
    elif method == "ours":
        chunk_moments(z, start, stop, workers=workers).corr()
    elif method == "numpy":
        np.corrcoef(z[start:stop], rowvar=False)
    elif method == "dask":
        x = da.from_zarr(z)[start:stop]
        da.corrcoef(x.T).compute()
    print(json.dumps({"time": time.perf_counter() - t0, "peak_mb": peak_mb() - base}))


def run(method: str, path: str, start: int = 0, stop: int = 0, workers: int = 0) -> subprocess.Popen:
    """One measurement in a fresh process; ``workers`` threads for ours (default: all cores)."""
    cmd = [
        sys.executable,
        __file__,
        "--child",
        method,
        "--store",
        path,
        "--start",
        str(start),
        "--stop",
        str(stop),
    ]
    cmd += ["--workers", str(workers or os.cpu_count() or 1)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def result(p: subprocess.Popen) -> dict:
    out, _ = p.communicate()
    if p.returncode:
        raise RuntimeError(f"benchmark child failed ({p.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def best(method: str, path: str, repeat: int) -> dict:
    runs = [result(run(method, path)) for _ in range(repeat)]
    return {"time": min(r["time"] for r in runs), "peak_mb": min(r["peak_mb"] for r in runs)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=170_000)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--chunk", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child")
    ap.add_argument("--store")
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--stop", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.store, args.start, args.stop, args.workers)
        return

    import zarr

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "z.zarr")
        rng = np.random.default_rng(0)
        z = zarr.create_array(path, shape=(args.rows, args.dim), chunks=(args.chunk, args.dim), dtype="f4")
        mix = rng.standard_normal((args.dim, args.dim)).astype(np.float32) / np.sqrt(args.dim)
        for a in range(0, args.rows, args.chunk):
            b = min(a + args.chunk, args.rows)
            z[a:b] = rng.standard_normal((b - a, args.dim)).astype(np.float32) @ mix + 0.5
        res = {m: best(m, path, args.repeat) for m in ("read", "ours", "numpy", "dask")}
        half = args.rows // args.chunk // 2 * args.chunk
        two = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            procs = [run("ours", path, 0, half, workers=1), run("ours", path, half, args.rows, workers=1)]
            [result(p) for p in procs]
            two.append(time.perf_counter() - t0)
        one = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result(run("ours", path, workers=1))
            one.append(time.perf_counter() - t0)

    print(f"{args.rows} x {args.dim} float32, chunks of {args.chunk} rows, best of {args.repeat}")
    for m, r in res.items():
        print(f"  {m:6s} {r['time']:7.3f} s   peak +{r['peak_mb']:7.1f} MB")
    o, n, d = res["ours"], res["numpy"], res["dask"]
    print(f"time ours/np.corrcoef      = {o['time'] / n['time']:.2f}  (goal <= 0.8)")
    print(f"time ours/dask             = {o['time'] / d['time']:.2f}  (goal <= 1.0)")
    print(f"peak ours/np.corrcoef      = {o['peak_mb'] / n['peak_mb']:.2f}  (goal <= 0.25)")
    print(f"time ours/bare read        = {o['time'] / res['read']['time']:.2f}")
    ratio = min(two) / min(one)
    print(f"2 shard jobs / 1 shard job, 1 thread each (wall, incl. start-up) = {ratio:.2f}  (goal < 1)")


if __name__ == "__main__":
    main()
