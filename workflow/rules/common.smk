import os
import re
import sys
from pathlib import Path

import yaml
from snakemake.utils import validate

SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
validate(config, schema=str(SCHEMA))

R = f"results/{config['run']}"
# Every per-model output lives under results/<run>/<model>/; the image store is shared.
M = f"{R}/{{model}}"
LIB = Path(workflow.basedir) / "src" / "aelatent"
SCRIPTS = Path(workflow.basedir) / "scripts"
# Jobs import the library from this checkout, whatever environment they run in.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [str(LIB.parent), os.environ.get("PYTHONPATH")])
    )
)
sys.path.insert(0, str(LIB.parent))
from aelatent.checks import validate_config
from aelatent.codehash import code_hash
from aelatent.data.layout import source_fingerprint
from aelatent.nn.geometry import check_geometry
from aelatent.vectors.names import GENERATORS

# Each model's settings (models.<name> over model), checked before any job runs.
MODELS = validate_config(
    config, yaml.safe_load(SCHEMA.read_text())["properties"]["model"]
)
for _name, _settings in MODELS.items():
    _key = f"models.{_name}" if config["models"][_name] else "model"
    check_geometry(_settings, config["dataset"]["image_size"], _key)
COMPARE = len(MODELS) > 1

SHARDS = range(config["encode"]["shards"])
GPU = 1 if config["device"] == "cuda" else 0
DS = config["dataset"]


wildcard_constraints:
    model="|".join(map(re.escape, MODELS)),


def code(script):
    """Hash of the library code a rule's script runs: the package modules it imports,
    transitively, without comments, docstrings or formatting. Passed as a param, it reruns
    exactly the jobs whose code changed (Snakemake tracks the script itself)."""
    return code_hash([SCRIPTS / f"{script}.py"])


def dataset_params():
    """The dataset settings the image stage reads for this source, and a fingerprint of the
    source's content instead of its location: moving or touching a dataset reruns nothing,
    changing an image does."""
    keys = ["source", "n_images", "image_size", "chunk_images", "min_images"]
    if DS["source"] != "celeba":
        keys += ["valid_fraction", "test_fraction"]
    if DS["source"] != "synthetic":
        keys += ["crop", "on_corrupt"]
    params = {k: DS[k] for k in keys}
    if DS["source"] != "synthetic":
        params["content"] = source_content()
    return params


def source_content():
    # every downloaded file is md5-checked, so the md5 sums pin the content
    if download_targets():
        from aelatent.data.fetch import celeba_files

        files = celeba_files(DS["files"])
        return sorted((f["name"], f.get("md5") or f["url"]) for f in files)
    return source_fingerprint(DS["source"], DS["path"], ".snakemake/aelatent")


def generator_params(wildcards):
    """Only the settings of this generator, so tuning one never redraws the others."""
    own = {
        "uniform": ["uniform_b"],
        "gmm": ["gmm_components"],
        "pca_ellipsoid": ["pca_sigma"],
    }
    keys = ["n", *own.get(wildcards.generator, [])]
    return {k: config["vectors"][k] for k in keys}


def model_params(wildcards):
    """This model's settings only: adding a model or tuning another reruns none of its jobs."""
    return MODELS[wildcards.model]


def category(name):
    """A report category; with several models each has its own set, named by the model."""
    return f"{{model}} · {name}" if COMPARE else name


def train_params():
    """What training computes with: never threads (scheduling, not science)."""
    return {k: v for k, v in sorted(config["train"].items()) if k != "threads"}


def download_targets():
    """The files download_celeba writes: dataset.files, or else the two of torchvision's CelebA
    list our reader needs. torchvision (and torch) is imported only here, when a download is
    asked for, so planning other runs stays fast."""
    if DS["source"] == "celeba" and DS["download"]:
        from aelatent.data.fetch import celeba_files

        return [f"{DS['path']}/{f['name']}" for f in celeba_files(DS["files"])]
    return []


def shard_markers(wildcards=None):
    return expand(f"{M}/latents/shards/{{k}}.json", k=SHARDS, allow_missing=True)


def figure(name, category, base=M, **report_args):
    """A figure's outputs: the PNG the report shows, and the same figure in every other format
    figures.formats asks for (the plotting code saves one file per path, by its suffix).
    """
    png = report(f"{base}/figures/{name}.png", category=category, **report_args)
    other = [ext for ext in config["figures"]["formats"] if ext != "png"]
    return [png] + [f"{base}/figures/{name}.{ext}" for ext in other]


def table_sources():
    """Each table the report shows as a page: name -> (TSV, category, caption file)."""
    stats = [
        "components",
        "dominant_components",
        "threshold_counts",
        "pairs",
        "special_points",
        "structure",
        "spectrum",
        "gaussianity",
    ]
    if config["dataset"]["source"] == "synthetic":
        stats.append("factor_correlations")
    groups = {
        "2. Training": {"metrics": f"{M}/model/metrics.tsv"},
        "3. Statistics": {t: f"{M}/stats/{t}.tsv" for t in stats},
        "5. Statistical vectors": {
            "radii": f"{M}/stats/radii.tsv",
            "coverage": f"{M}/coverage.tsv",
        },
        "6. Origin and border": {"origin": f"{M}/stats/origin.tsv"},
    }
    caption = {"radii": "radii_table", "origin": "origin_table"}
    return {
        name: (tsv, category(cat), caption.get(name, name))
        for cat, tables in groups.items()
        for name, tsv in tables.items()
    }


TABLES = table_sources()


def all_outputs():
    """Every result of a run: each model's figures, tables and vectors the report shows, the
    shared sample grid, and with several models their comparison."""
    figs = [
        "loss_curve",
        "reconstructions",
        "border_density",
        "component_histograms",
        "correlation_heatmap",
        "threshold_counts",
        "radii",
        "coverage",
        "origin",
        "structure",
    ]
    figs += [f"pair_grid_b{b}" for b in config["figures"]["b_values"]]
    figs += [f"uncorrelated_pairs_b{b}" for b in config["figures"]["b_values"]]
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
    formats = config["figures"]["formats"]
    per_model = (
        [f"{M}/figures/{f}.{ext}" for f in figs for ext in formats]
        + [f"{M}/stats/{t}.tsv" for t in tables]
        + [f"{M}/coverage.tsv", f"{M}/report/summary.html"]
        + table_pages()
        # the markers vouch for every row of the latent store: a lost one must be redone, and
        # verify_latents checks the rows against them
        + shard_markers()
        + [f"{M}/latents/verified.json"]
    )
    shared = [f"{R}/figures/sample_grid.{ext}" for ext in formats]
    if COMPARE:
        shared += compare_outputs()
    return expand(per_model, model=list(MODELS)) + shared


def per_model(path):
    """``path`` for every model, in the order of config models."""
    return expand(path, model=list(MODELS))


def table_pages():
    return [f"{M}/tables/{t}.html" for t in TABLES]


def compare_outputs():
    """The cross-model comparison: its table, page and figures."""
    figs = ["threshold_shares", "coverage", "prior_faces"]
    return [f"{R}/compare/models.tsv", f"{R}/compare/summary.html"] + [
        f"{R}/compare/figures/{f}.{ext}"
        for f in figs
        for ext in config["figures"]["formats"]
    ]
