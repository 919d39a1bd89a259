import hashlib
from pathlib import Path

from snakemake.utils import validate


validate(config, schema="../schemas/config.schema.yaml")

R = f"results/{config['run']}"
LIB = Path(workflow.basedir) / "src" / "aelatent"
SHARDS = range(config["encode"]["shards"])
GPU = 1 if config["device"] == "cuda" else 0


def lib(*modules):
    """Content hash of the library modules a rule uses: editing one reruns that rule (params)."""
    h = hashlib.sha256()
    for m in sorted(modules):
        h.update((LIB / f"{m}.py").read_bytes())
    return h.hexdigest()[:16]


def download_targets():
    ds = config["dataset"]
    if ds["source"] == "celeba" and ds["download"]:
        return [f"{ds['path']}/{f['name']}" for f in ds["files"]]
    return []


def shard_markers(wildcards=None):
    return expand(f"{R}/latents/shards/{{k}}.json", k=SHARDS)


def all_outputs():
    return [
        f"{R}/figures/sample_grid.png",
        f"{R}/figures/loss_curve.png",
        f"{R}/figures/reconstructions.png",
        f"{R}/stats/moments.npz",
    ]
