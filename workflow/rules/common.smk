import hashlib
import json
import os
import re
import sys
from pathlib import Path

from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")

R = f"results/{config['run']}"
LIB = Path(workflow.basedir) / "src" / "aelatent"
# Jobs import the library from this checkout, whatever environment they run in.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [str(LIB.parent), os.environ.get("PYTHONPATH")])
    )
)
sys.path.insert(0, str(LIB.parent))
from aelatent.geometry import check_geometry

# An image size the strides cannot halve evenly fails here, before any job runs.
check_geometry(config["model"], config["dataset"]["image_size"])

SHARDS = range(config["encode"]["shards"])
GPU = 1 if config["device"] == "cuda" else 0


def lib(*modules):
    """Content hash of the library modules a rule's script imports and of every package module
    they import in turn, passed as a param: editing one reruns exactly the jobs that use it.
    """
    seen, todo = set(), list(modules)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            text = (LIB / f"{name}.py").read_text()
            todo += re.findall(r"^from \.(\w+) import", text, re.M)
            todo += re.findall(r"^from \. import (\w+)", text, re.M)
    h = hashlib.sha256()
    for name in sorted(seen):
        h.update((LIB / f"{name}.py").read_bytes())
    return h.hexdigest()[:16]


def section(name):
    """A config section with its keys sorted: params compare by repr, so key order in a config
    file must not count as a change."""
    return json.loads(json.dumps(config[name], sort_keys=True))


def download_targets():
    ds = config["dataset"]
    if ds["source"] == "celeba" and ds["download"]:
        return [f"{ds['path']}/{f['name']}" for f in ds["files"]]
    return []


def shard_markers(wildcards=None):
    return expand(f"{R}/latents/shards/{{k}}.json", k=SHARDS)


def all_outputs():
    """Every result of a run: the figures, tables and vectors the report shows."""
    figs = [
        "sample_grid",
        "loss_curve",
        "reconstructions",
        "uncorrelated_pairs",
        "border_density",
        "component_histograms",
        "correlation_heatmap",
        "threshold_counts",
        "radii",
        "coverage",
        "origin",
    ]
    figs += [f"pair_grid_b{b}" for b in config["figures"]["b_values"]]
    figs += [f"decoded_{g}" for g in config["vectors"]["generators"]]
    tables = [
        "components",
        "dominant_components",
        "threshold_counts",
        "pairs",
        "special_points",
    ]
    tables += ["radii", "origin"]
    if config["dataset"]["source"] == "synthetic":
        figs.append("factor_correlations")
        tables.append("factor_correlations")
    return (
        [f"{R}/figures/{f}.png" for f in figs]
        + [f"{R}/stats/{t}.tsv" for t in tables]
        + [f"{R}/coverage.tsv"]
        # the markers vouch for every row of the latent store: a lost one must be redone
        + shard_markers()
    )
