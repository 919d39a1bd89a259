"""The dataset stage: turn the configured source into ``images.zarr``."""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from ..errors import InputError
from ..io.seeds import rng
from . import synthetic
from .imagestore import write_image_store
from .sources import CONVERSIONS, ImageRef, find_celeba, find_images, load_image

log = logging.getLogger(__name__)

# The article's (and the usual) preprocessing of CelebA's 178x218 aligned faces: a 148-px centre
# crop, then resize. A celeba config without ``crop`` gets it, not the largest square (178 px).
CELEBA_CROP = 148
SPLIT_NAMES = ("train", "valid", "test")


def random_split(n: int, valid_fraction: float, test_fraction: float, seed: int) -> np.ndarray:
    """0 train / 1 valid / 2 test, assigned by a seeded permutation."""
    order = rng(seed, "split_images").permutation(n)
    split = np.zeros(n, dtype=np.int8)
    n_valid, n_test = round(n * valid_fraction), round(n * test_fraction)
    split[order[:n_valid]] = 1
    split[order[n_valid : n_valid + n_test]] = 2
    return split


def _file_loader(refs: list[ImageRef], crop: int | None, size: int, on_corrupt: str):
    """A block loader over image files: unreadable ones raise, or are left out of the mask
    (skip); the conversions the loaded ones needed are counted."""

    def load(a: int, b: int) -> tuple[np.ndarray, np.ndarray, Counter]:
        imgs, ok, conversions = [], np.ones(b - a, dtype=bool), Counter(dict.fromkeys(CONVERSIONS, 0))
        for i, ref in enumerate(refs[a:b]):
            try:
                img, needed = load_image(ref, crop, size)
            except InputError as exc:
                if on_corrupt == "error":
                    raise
                log.warning("skipping: %s", exc)
                ok[i] = False
                continue
            imgs.append(img)
            conversions.update(needed)
        arr = np.stack(imgs) if imgs else np.zeros((0, size, size, 3), np.uint8)
        return arr, ok, conversions

    return load


def prepare_images(ds: dict, out: str, *, threads: int, seed: int, path: str | None = None) -> int:
    """Build ``out`` (images.zarr) from the dataset settings and the source at ``path`` (default:
    ``ds["path"]``); returns the image count."""
    size, chunk, source = ds["image_size"], ds["chunk_images"], ds["source"]
    limit = ds.get("n_images")
    common = dict(size=size, chunk=chunk, threads=threads, min_images=ds["min_images"])
    attrs = {"source": source, "image_size": size, "crop": ds.get("crop"), "seed": seed}
    if source == "synthetic":
        n = limit if limit is not None else 10_000
        variant = ds["synthetic"]
        factors = synthetic.sample_factors(n, seed, variant)
        split = random_split(n, ds["valid_fraction"], ds["test_fraction"], seed)
        return write_image_store(
            out,
            n,
            lambda a, b: (synthetic.render_faces(factors[a:b], size, variant), np.ones(b - a, bool), {}),
            split=split,
            attrs={**attrs, "synthetic": variant},
            factors=factors,
            factor_names=synthetic.factor_names(variant),
            **common,
        )
    path = path if path is not None else ds.get("path")
    if not path:
        raise InputError(f"dataset.path is required for dataset.source {source!r}")
    crop = ds.get("crop")
    if source == "celeba":
        listing = find_celeba(path, ds["on_corrupt"])
        refs, split = listing.refs, listing.split
        crop = CELEBA_CROP if crop is None else crop
    else:
        listing = find_images(path, ds["on_corrupt"])
        refs = listing.refs
        split = random_split(len(refs), ds["valid_fraction"], ds["test_fraction"], seed)
    if not refs:
        raise InputError(f"no images found in {path!r}")
    adjusted = {}
    if limit is not None and limit > len(refs):
        log.warning(
            "dataset.n_images=%d is above the %d images %s holds: using all %d",
            limit,
            len(refs),
            path,
            len(refs),
        )
        adjusted["dataset.n_images"] = {"requested": limit, "used": len(refs)}
    if limit is not None:
        refs, split = refs[:limit], split[:limit]
    loader = _file_loader(refs, crop, size, ds["on_corrupt"])
    # candidates taken per split, in source order (any unreadable ones skipped are in "skipped",
    # entries of a name that occurs more than once in "duplicates_skipped": name -> how often)
    counts = {name: int((split == i).sum()) for i, name in enumerate(SPLIT_NAMES)}
    attrs = {**attrs, "crop": crop, "split_counts": counts, "path": str(path)}
    attrs = {**attrs, "duplicates_skipped": listing.duplicates, "adjusted": adjusted}
    names = [r.name for r in refs]
    return write_image_store(out, len(refs), loader, split=split, attrs=attrs, names=names, **common)
