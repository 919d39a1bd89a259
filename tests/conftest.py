import copy
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def with_defaults(cfg: dict) -> dict:
    """``cfg`` validated against the schema, defaults filled in (as the workflow does)."""
    from snakemake.utils import validate

    cfg = copy.deepcopy(cfg)
    validate(cfg, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"))
    return cfg


def numpy_rng(seed: int, purpose: str) -> np.random.Generator:
    """The run's seeded stream for ``purpose``, rebuilt from its definition (the seed, then the
    purpose's SHA-256 as eight little-endian 32-bit words) rather than through the library's
    ``io.seeds.rng``, so a test of a draw does not agree with a bug in it."""
    digest = hashlib.sha256(purpose.encode()).digest()
    words = [int.from_bytes(digest[k : k + 4], "little") for k in range(0, 32, 4)]
    return np.random.default_rng(np.random.SeedSequence([seed, *words]))


def encoded_store(folder: Path, x: np.ndarray, chunk: int, bounds, attrs: dict | None = None):
    """``folder/z.zarr`` holding float32 rows ``x`` in chunks of ``chunk`` rows, written by one
    shard per (start, stop) of ``bounds``, with the markers an encode job leaves (each with its
    rows' sha256), built with zarr and hashlib alone; returns the store and the marker paths."""
    import zarr

    z = folder / "z.zarr"
    arr = zarr.create_array(str(z), shape=x.shape, chunks=(chunk, x.shape[1]), dtype="f4", fill_value=np.nan)
    arr[:] = x
    arr.attrs.update(attrs or {})
    markers = []
    for k, (a, b) in enumerate(bounds):
        path = folder / f"shard{k}.json"
        sha = hashlib.sha256(x[a:b].tobytes()).hexdigest()
        path.write_text(json.dumps({"shard": k, "start": a, "stop": b, "rows": b - a, "sha256": sha}))
        markers.append(str(path))
    return z, markers


def image_bytes(seed: int, fmt: str = "JPEG", size=(40, 50), mode="RGB") -> bytes:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    img = Image.fromarray(arr).convert(mode)
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def ds_config(source: str, path, **over) -> dict:
    ds = {"source": source, "path": str(path), "image_size": 16, "chunk_images": 4, "min_images": 2}
    ds.update(over)
    return with_defaults({"dataset": ds})["dataset"]


def make_celeba_tree(root, n=10, as_zip=False):
    """A small CelebA in torchvision's layout: 178x218 JPEGs and the partition file."""
    root.mkdir(parents=True, exist_ok=True)
    names = [f"{i + 1:06d}.jpg" for i in range(n)]
    split = [0] * (n - 3) + [1, 2, 2]
    (root / "list_eval_partition.txt").write_text(
        "".join(f"{f} {s}\n" for f, s in zip(names, split, strict=True))
    )
    if as_zip:
        with zipfile.ZipFile(root / "img_align_celeba.zip", "w") as zf:
            for i, f in enumerate(names):
                zf.writestr(f"img_align_celeba/{f}", image_bytes(i, size=(178, 218)))
    else:
        (root / "img_align_celeba").mkdir()
        for i, f in enumerate(names):
            (root / "img_align_celeba" / f).write_bytes(image_bytes(i, size=(178, 218)))
    return names, split


def snakemake(work: Path, *args: str, config: str = "config/tiny.yaml", check: bool = True):
    cmd = [sys.executable, "-m", "snakemake", "--configfile", config, "-c2", *args]
    res = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


def planned_jobs(work: Path, config: str = "config/tiny.yaml") -> list[tuple[str, dict, list[str]]]:
    """The jobs a dry run plans, each as (rule, wildcards, output files), read job by job from the
    dry run's per-job records (``rule <name>:``, ``output:``, ``jobid:``, ``wildcards:``), not from
    its summary table."""
    res = snakemake(work, "-n", config=config)
    jobs = []
    for block in re.split(r"^(?=(?:local)?rule \w+:)", res.stdout + res.stderr, flags=re.M)[1:]:
        if not re.search(r"^\s+jobid: \d+", block, re.M):
            continue
        rule = re.match(r"(?:local)?rule (\w+):", block)[1]
        wc = re.search(r"^\s+wildcards: (.*)$", block, re.M)
        pairs = (kv.split("=", 1) for kv in wc[1].split(", ")) if wc else ()
        outputs = re.search(r"^\s+output: (.*)$", block, re.M)
        jobs.append((rule, dict(pairs), outputs[1].split(", ") if outputs else []))
    return jobs


def planned(work: Path, config: str = "config/tiny.yaml") -> dict[str, int]:
    """Rule -> the number of jobs of it a dry run plans (empty when nothing is to be done)."""
    counts: dict[str, int] = {}
    for rule, _, _ in planned_jobs(work, config):
        counts[rule] = counts.get(rule, 0) + 1
    return counts


def kill_once_checkpointed(code: str, args: list[str], ckpt: Path) -> None:
    """Run Python ``code`` with ``args`` and SIGKILL it as soon as ``ckpt`` appears: a training
    killed after its first checkpointed epoch."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args])
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def planned_models(work: Path, config: str) -> dict[str, set[str]]:
    """Rule -> the models its planned jobs are for ("-" for a job of no model): which models'
    chains a change reruns."""
    plan: dict[str, set[str]] = {}
    for rule, wildcards, _ in planned_jobs(work, config):
        plan.setdefault(rule, set()).add(wildcards.get("model", "-"))
    return plan


_STORES: dict[tuple, Path] = {}


def image_store(tmp_path_factory, n_images: int, image_size: int, chunk_images: int) -> str:
    """A synthetic image store of this size, made once per test session and shared."""
    key = (n_images, image_size, chunk_images)
    if key not in _STORES:
        from aelatent.data.prepare import prepare_images

        path = tmp_path_factory.mktemp("images") / "images.zarr"
        ds = {"n_images": n_images, "image_size": image_size, "chunk_images": chunk_images}
        ds["synthetic"] = "simple"
        prepare_images(with_defaults({"dataset": ds})["dataset"], str(path), threads=2, seed=0)
        _STORES[key] = path
    return str(_STORES[key])


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """For pytest-xdist's ``--dist loadgroup`` (``make test`` runs two workers): every module's
    tests stay together, so no module fixture is built twice, and the modules that run whole
    workflows go first, so the two workers finish together rather than one waiting on the last
    long module."""
    heavy = {item.module.__name__ for item in items if item.get_closest_marker("e2e")}
    slurm = {item.module.__name__ for item in items if item.get_closest_marker("slurm")}
    items.sort(key=lambda item: (item.module.__name__ not in slurm, item.module.__name__ not in heavy))
    for item in items:
        item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The tiny run, complete, built once per test session: under xdist the first worker to need
    it builds it in the session's shared folder while the other waits on a lock. Never changed:
    tests get copies (``work``, ``own_work``)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # one folder per session, shared by its workers
    w, done = shared / "tiny_run", shared / "tiny_run.done"
    with open(shared / "tiny_run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(w, ignore_errors=True)
            w.mkdir()
            snakemake(copy_workflow(w))
            done.touch()
    return w


def copy_run(run: Path, dest: Path) -> Path:
    """A copy of a workflow folder and its results, mtimes and Snakemake's records kept, so the
    copy plans what the original plans."""
    shutil.copytree(run, dest, symlinks=True, dirs_exist_ok=True)
    return dest


@pytest.fixture(scope="module")
def work(tiny_run, tmp_path_factory) -> Path:
    """The module's own copy of the complete tiny run (its own results/ and .snakemake/)."""
    return copy_run(tiny_run, tmp_path_factory.mktemp("workflow"))


@pytest.fixture
def own_work(tiny_run, tmp_path) -> Path:
    """The test's own copy of the complete tiny run, for tests that damage it."""
    return copy_run(tiny_run, tmp_path / "workflow")


def copy_workflow(dest: Path) -> Path:
    for item in ("Snakefile", "workflow", "profiles", "scripts", "src", "config", "envs"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / item)
    return dest


def run_dir(work: Path) -> Path:
    """The tiny run's folder: the shared image store, sample grid, report and comparison."""
    return work / "results" / "tiny"


def results(work: Path, model: str = "ae") -> Path:
    """One model's results in the tiny run."""
    return run_dir(work) / model


def model_schema() -> dict:
    """The schema of the model section, as the workflow checks each model's settings with."""
    import yaml

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    return schema["properties"]["model"]
