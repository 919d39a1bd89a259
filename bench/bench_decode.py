"""JPEG -> 64x64 training image rate for CelebA-sized files, per core and in total.

Compares, on the same N JPEGs of 178x218 (CelebA's aligned faces; quality 90, drawn with the
synthetic face generator plus a faint grain so file sizes resemble CelebA's), all ending in the
pipeline's 148-px centre crop resized to 64x64 uint8:

* ours, 1 thread: ``aelatent.data.sources.load_image`` per file (read, torchvision decode,
  ``crop_resize``) -- the baseline every ratio is against;
* ours, T threads: the same through prepare_images' fan-out (``_file_loader`` blocks on a
  ThreadPoolExecutor via ``bounded_map``, 2*T blocks in flight); total rate and per-core efficiency;
* PIL, 1 thread: ``Image.open().convert("RGB")`` + crop + ``resize((64, 64), BILINEAR)``
  (antialiased), which the pipeline does not use; and the same with ``draft()`` (libjpeg's
  DCT-domain 1/2-scale decode);
* with CUDA: torchvision's batched nvJPEG decode (``decode_jpeg(list, device="cuda")``) + crop +
  ``interpolate(antialias=True)`` on the GPU, with the file reads excluded (output stays on the
  GPU) and included (read files, decode, resize, copy back to host); synchronised, after a warm-up.

Files sit in a fresh temporary folder, so reads come from the page cache. torch runs one
intra-op thread: the decode threads are the only parallelism. Each rate is the best of --repeat
passes over all N files.

    python bench/bench_decode.py [--n 2000] [--threads 1 2 4 ...] [--batch 256] [--chunk 64]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from aelatent.data import synthetic  # noqa: E402
from aelatent.data.prepare import CELEBA_CROP, _file_loader  # noqa: E402
from aelatent.data.sources import ImageRef, load_image  # noqa: E402
from aelatent.io.stream import bounded_map  # noqa: E402

warnings.filterwarnings("ignore", message="The image decoding and encoding capabilities of TorchVision")

W, H, SIZE = 178, 218, 64  # CelebA's aligned faces are 178 wide, 218 high
TOP, LEFT = (H - CELEBA_CROP) // 2, (W - CELEBA_CROP) // 2  # as tvf.center_crop rounds (35, 15)


def make_jpegs(folder: Path, n: int, grain: float, quality: int = 90) -> list[ImageRef]:
    """N faces rendered at 218 px, cut to 178 wide, a faint Gaussian grain added, saved as JPEG."""
    rng = np.random.default_rng(0)
    factors = synthetic.sample_factors(n, 0)
    refs = []
    for a in range(0, n, 128):
        faces = synthetic.render_faces(factors[a : a + 128], H)[:, :, (H - W) // 2 : (H + W) // 2]
        for i, img in enumerate(faces, a):
            px = img.astype(np.float32) + rng.normal(0.0, grain, img.shape).astype(np.float32)
            path = folder / f"{i:06d}.jpg"
            Image.fromarray(np.clip(px + 0.5, 0, 255).astype(np.uint8)).save(path, quality=quality)
            refs.append(ImageRef(path.name, str(path)))
    return refs


def best_rate(n: int, fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best


def ours_serial(refs: list[ImageRef]) -> np.ndarray:
    return np.stack([load_image(r, CELEBA_CROP, SIZE)[0] for r in refs])


def ours_threaded(refs: list[ImageRef], threads: int, chunk: int) -> np.ndarray:
    """prepare_images' fan-out (write_image_store's loop, without the zarr write)."""
    load = _file_loader(refs, CELEBA_CROP, SIZE, "error")
    blocks = [(a, min(a + chunk, len(refs))) for a in range(0, len(refs), chunk)]
    with ThreadPoolExecutor(threads) as ex:
        return np.concatenate(
            [imgs for imgs, _, _ in bounded_map(ex, lambda ab: load(*ab), blocks, 2 * threads)]
        )


def pil_one(path: str, draft: bool) -> np.ndarray:
    with Image.open(path) as im:
        scale = 1
        if draft:
            im.draft("RGB", (W // 2, H // 2))  # libjpeg decodes at 1/2 scale in the DCT domain
            scale = W // im.size[0]
        box = (LEFT // scale, TOP // scale, (LEFT + CELEBA_CROP) // scale, (TOP + CELEBA_CROP) // scale)
        return np.asarray(im.convert("RGB").crop(box).resize((SIZE, SIZE), Image.BILINEAR))


def pil_serial(refs: list[ImageRef], draft: bool = False) -> np.ndarray:
    return np.stack([pil_one(r.path, draft) for r in refs])


def gpu_resize(imgs: list[torch.Tensor]) -> torch.Tensor:
    x = torch.stack(imgs)[:, :, TOP : TOP + CELEBA_CROP, LEFT : LEFT + CELEBA_CROP].float()
    x = torch.nn.functional.interpolate(x, size=(SIZE, SIZE), mode="bilinear", antialias=True)
    return x.round_().clamp_(0, 255).to(torch.uint8)


def gpu_rates(refs: list[ImageRef], batch: int, repeat: int) -> tuple[float, float, np.ndarray]:
    """(excl. reads, incl. reads + copy to host) images/s, and the first batch's images."""
    from torchvision.io import ImageReadMode, decode_jpeg

    def raw(ref: ImageRef) -> torch.Tensor:
        return torch.frombuffer(bytearray(ref.read_bytes()), dtype=torch.uint8)

    resident = [raw(r) for r in refs]
    first = gpu_resize(
        decode_jpeg(resident[:batch], ImageReadMode.RGB, device="cuda")
    )  # warm-up (nvJPEG handles)
    torch.cuda.synchronize()

    def excl() -> None:
        for a in range(0, len(refs), batch):
            gpu_resize(decode_jpeg(resident[a : a + batch], ImageReadMode.RGB, device="cuda"))
        torch.cuda.synchronize()

    def incl() -> None:
        out = []
        for a in range(0, len(refs), batch):
            data = [raw(r) for r in refs[a : a + batch]]
            out.append(
                gpu_resize(decode_jpeg(data, ImageReadMode.RGB, device="cuda")).permute(0, 2, 3, 1).cpu()
            )
        torch.cuda.synchronize()

    n = len(refs)
    return best_rate(n, excl, repeat), best_rate(n, incl, repeat), first.permute(0, 2, 3, 1).cpu().numpy()


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def main() -> None:
    cores = os.cpu_count() or 1
    default_threads = sorted({2**k for k in range(cores.bit_length()) if 2**k <= cores} | {cores})
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--threads", type=int, nargs="+", default=default_threads)
    ap.add_argument("--batch", type=int, default=256, help="images per GPU decode batch")
    ap.add_argument("--chunk", type=int, default=64, help="images per block in the threaded fan-out")
    ap.add_argument("--grain", type=float, default=5.0, help="std of the grain added before JPEG")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows: list[tuple[str, int | str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        refs = make_jpegs(Path(tmp), args.n, args.grain)
        sizes = [os.path.getsize(r.path) for r in refs]
        print(
            f"{args.n} JPEGs of {W}x{H} (quality 90, grain {args.grain:g}) made in "
            f"{time.perf_counter() - t0:.1f} s: mean {np.mean(sizes) / 1e3:.1f} kB "
            f"(min {min(sizes) / 1e3:.1f}, max {max(sizes) / 1e3:.1f}); "
            f"crop {CELEBA_CROP} -> {SIZE} px; {cores} cores, chunk {args.chunk}"
        )
        ours_serial(refs[:50])  # warm-up
        pil_serial(refs[:50])
        reference = ours_serial(refs)
        base = best_rate(args.n, lambda: ours_serial(refs), args.repeat)
        rows.append(("ours: load_image, serial loop", 1, base))
        for t in args.threads:
            rate = best_rate(args.n, lambda t=t: ours_threaded(refs, t, args.chunk), args.repeat)
            rows.append(("ours: prepare_images fan-out", t, rate))
        assert np.array_equal(ours_threaded(refs, max(args.threads), args.chunk), reference)
        pil = pil_serial(refs)
        rows.append(
            ("PIL open+convert+crop+resize", 1, best_rate(args.n, lambda: pil_serial(refs), args.repeat))
        )
        pil_draft = pil_serial(refs, draft=True)
        rate = best_rate(args.n, lambda: pil_serial(refs, draft=True), args.repeat)
        rows.append(("PIL with draft (1/2-scale DCT)", 1, rate))
        diffs = [
            f"PIL {mean_abs_diff(pil, reference):.2f}",
            f"PIL draft {mean_abs_diff(pil_draft, reference):.2f}",
        ]
        if torch.cuda.is_available():
            excl, incl, first = gpu_rates(refs, args.batch, args.repeat)
            rows.append((f"GPU nvJPEG, batch {args.batch}, excl. reads", "gpu", excl))
            rows.append((f"GPU nvJPEG, batch {args.batch}, incl. reads+D2H", "gpu", incl))
            diffs.append(f"GPU {mean_abs_diff(first, reference[: len(first)]):.2f}")
            gpu_note = f"GPU: {torch.cuda.get_device_name()}"
        else:
            gpu_note = "GPU path skipped: torch.cuda.is_available() is False"
    print(f"{'path':44s} {'threads':>7s} {'images/s':>9s} {'x ours-1':>8s} {'per core':>8s}")
    for name, threads, rate in rows:
        per_core = f"{rate / threads / base:8.2f}" if isinstance(threads, int) else ""
        print(f"{name:44s} {threads!s:>7s} {rate:9.0f} {rate / base:8.2f} {per_core}")
    print(f"ours per core: {base:.0f} images/s = {1e6 / base:.0f} us/image")
    print(f"mean |difference| from ours, in uint8 levels: {', '.join(diffs)}")
    print(gpu_note)
    best_name, best_threads, best = max(rows, key=lambda r: r[2])
    print(
        f"goal: >= 20,000 images/s on the GPU machine (16 cores): best measured here {best:,.0f} "
        f"({best_name}; threads: {best_threads}; {cores} cores)"
    )


if __name__ == "__main__":
    main()
