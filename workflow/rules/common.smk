import os
import sys
from pathlib import Path

from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")

R = f"results/{config['run']}"
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

# An image size the strides cannot halve evenly fails here, before any job runs.
check_geometry(config["model"], config["dataset"]["image_size"])
validate_config(config)

SHARDS = range(config["encode"]["shards"])
GPU = 1 if config["device"] == "cuda" else 0
DS = config["dataset"]


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
    return expand(f"{R}/latents/shards/{{k}}.json", k=SHARDS)


def figure(name, **report_args):
    """A figure's outputs: the PNG the report shows, and the same figure in every other format
    figures.formats asks for (the plotting code saves one file per path, by its suffix).
    """
    png = report(f"{R}/figures/{name}.png", **report_args)
    other = [ext for ext in config["figures"]["formats"] if ext != "png"]
    return [png] + [f"{R}/figures/{name}.{ext}" for ext in other]


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
        "2. Training": {"metrics": f"{R}/model/metrics.tsv"},
        "3. Statistics": {t: f"{R}/stats/{t}.tsv" for t in stats},
        "5. Statistical vectors": {
            "radii": f"{R}/stats/radii.tsv",
            "coverage": f"{R}/coverage.tsv",
        },
        "6. Origin and border": {"origin": f"{R}/stats/origin.tsv"},
    }
    caption = {"radii": "radii_table", "origin": "origin_table"}
    return {
        name: (tsv, category, caption.get(name, name))
        for category, tables in groups.items()
        for name, tsv in tables.items()
    }


TABLES = table_sources()


def all_outputs():
    """Every result of a run: the figures, tables and vectors the report shows."""
    figs = [
        "sample_grid",
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
    return (
        [f"{R}/figures/{f}.{ext}" for f in figs for ext in config["figures"]["formats"]]
        + [f"{R}/stats/{t}.tsv" for t in tables]
        + [f"{R}/coverage.tsv"]
        + [f"{R}/report/summary.html"]
        + [f"{R}/tables/{t}.html" for t in TABLES]
        # the markers vouch for every row of the latent store: a lost one must be redone, and
        # verify_latents checks the rows against them
        + shard_markers()
        + [f"{R}/latents/verified.json"]
    )
