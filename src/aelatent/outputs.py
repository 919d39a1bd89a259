"""The registry of a run's outputs: name -> path under ``results/<run>/``, what it is, and its
place in the report. The rules take their output paths from here (``out(name)`` in
``workflow/rules/common.smk``) and each other's as ``rules.<rule>.output.<key>``; ``rule all``,
the table pages, the report entries, the tests' expected files and the README's output table are
derived from it. Adding a table is one line here (plus its code, rule and caption).

Paths may hold wildcards: ``{model}`` (every per-model output), ``{k}`` (a shard), ``{b}`` (a
pair-grid b of ``figures.b_values``) and ``{generator}`` (of ``vectors.generators``). Figures are
given without a suffix: one file per format of ``figures.formats``, the PNG in the report.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Callable
from dataclasses import dataclass, field

# Report categories: the article's sections in its order of reading, numbered so Snakemake's menu
# keeps it (and none named like Snakemake's own Statistics page).
EXPLORE = "0. Explore"  # sorts before "0. Findings": the explorer heads the menu
SUMMARY = "0. Findings"
DATA = "1. Images"
TRAINING = "2. Autoencoder training"
COMPONENTS = "3. Latent vector components"
CORRELATIONS = "4. Pearson correlation coefficients"
PAIRS = "5. Visualization of the correlations"
VECTORS = "6. Statistical vectors"
ORIGIN = "7. Border position of the origin"
COMPARISON = "0. Model comparison"  # sorted first in the report menu, with several models


@dataclass(frozen=True)
class Output:
    """``kind``: figure, table (a TSV with its own page in the report), page, array, model, store
    (a zarr folder), marker. ``when``: synthetic (only for synthetic images), compare (only
    with several models) or images (only where there are images and a decoder: not for
    ``dataset.source: latents``). ``caption``: the report caption's file stem under workflow/report/.
    ``labels``: how the report lists the entry (``name``; a wildcard's value where it has one), or a
    function of the job's wildcards and params giving them."""

    path: str
    kind: str
    category: str | None = None
    caption: str | None = None
    what: str = ""
    when: str | None = None
    subcategory: str | None = None
    labels: dict | Callable = field(default_factory=dict)

    @property
    def per_model(self) -> bool:
        return self.path.startswith("{model}/")


def _fig(path, category, caption, what, **kw) -> Output:
    kw.setdefault("labels", {"name": what})
    return Output(path, "figure", category, caption, what, **kw)


def _b_labels(name: str):
    """Labels of a figure per b: the report lists entries sorted by their labels, so each b's label
    starts with its place in figures.b_values (the rule's param ``b_rank``): the article's b = 4.0
    first, not the smallest b."""

    def labels(wildcards, params) -> dict:
        return {"name": name, "b": f"{params.b_rank}: b = {wildcards.b}"}

    return labels


def _table(path, category, caption, what, **kw) -> Output:
    kw.setdefault("labels", {"name": f"{what} (table)"})
    return Output(path, "table", category, caption, what, **kw)


OUTPUTS: dict[str, Output] = {
    # the run's images
    "images": Output(
        "data/images.zarr", "store", what="images uint8 (N, H, W, 3), split, factors, attrs", when="images"
    ),
    "sample_grid": _fig("figures/sample_grid", DATA, "sample_grid", "64 stored images", when="images"),
    # training
    "model": Output(
        "{model}/model/model.pt",
        "model",
        what="weights, settings, metrics (torchscript: your modules)",
        when="images",
    ),
    "metrics": _table(
        "{model}/model/metrics.tsv", TRAINING, "metrics", "loss and speed per epoch", when="trained"
    ),
    "loss_curve": _fig("{model}/figures/loss_curve", TRAINING, "loss_curve", "loss curve", when="trained"),
    "reconstructions": _fig(
        "{model}/figures/reconstructions",
        TRAINING,
        "reconstructions",
        "validation images and decodings",
        when="trained",
    ),
    # encoding
    "latents": Output("{model}/latents/z.zarr/zarr.json", "store", what="float32 (N, latent_dim)"),
    "shard_marker": Output(
        "{model}/latents/shards/{k}.json", "marker", what="a shard's row range, rows, sha256"
    ),
    "verified": Output(
        "{model}/latents/verified.json", "marker", what="every row checked against its marker"
    ),
    # statistics
    "shard_moments": Output("{model}/stats/moments/{k}.npz", "array", what="one shard's moments"),
    "moments": Output("{model}/stats/moments.npz", "array", what="n, mean, m2 over all N (float64)"),
    "sample": Output("{model}/stats/sample.npz", "array", what="the seeded M-sample: index, z"),
    "components": _table(
        "{model}/stats/components.tsv", COMPONENTS, "components", "per-component statistics"
    ),
    "dominant_components": _table(
        "{model}/stats/dominant_components.tsv", COMPONENTS, "dominant_components", "the dominant components"
    ),
    "histograms": Output("{model}/stats/histograms.npz", "array", what="per-component histograms"),
    "threshold_counts": _table(
        "{model}/stats/threshold_counts.tsv", CORRELATIONS, "threshold_counts", "pairs above each threshold"
    ),
    "pairs": _table("{model}/stats/pairs.tsv", CORRELATIONS, "pairs", "correlated pairs, strongest first"),
    "corr": Output("{model}/stats/corr.npy", "array", what="the correlation matrix over all N"),
    "special_points": _table(
        "{model}/stats/special_points.tsv", CORRELATIONS, "special_points", "the special-points slice"
    ),
    "factor_correlations": _table(
        "{model}/stats/factor_correlations.tsv",
        COMPONENTS,
        "factor_correlations",
        "components against generating factors",
        when="synthetic",
    ),
    "structure": _table("{model}/stats/structure.tsv", CORRELATIONS, "structure", "numbering-free structure"),
    "spectrum": _table("{model}/stats/spectrum.tsv", CORRELATIONS, "spectrum", "eigenvalue spectra"),
    "gaussianity": _table(
        "{model}/stats/gaussianity.tsv", COMPONENTS, "gaussianity", "each component's shape"
    ),
    "radii": _table(
        "{model}/stats/radii.tsv", VECTORS, "radii_table", "length match of uniform vectors per b"
    ),
    "radii_arrays": Output("{model}/stats/radii.npz", "array", what="real and uniform vector lengths"),
    "coverage": _table("{model}/stats/coverage.tsv", VECTORS, "coverage", "generators against the cloud"),
    "origin": _table("{model}/stats/origin.tsv", ORIGIN, "origin_table", "the origin against the cloud"),
    "origin_arrays": Output(
        "{model}/stats/origin.npz", "array", what="held-out distances, 0's positions, the origin's views"
    ),
    # statistical vectors
    "vectors": Output("{model}/vectors/{generator}.npy", "array", what="a generator's vectors"),
    # figures
    "pair_grid": _fig(
        "{model}/figures/pair_grid_b{b}",
        PAIRS,
        "pair_grid",
        "correlated pairs, uniform vectors in [-b, b]",
        subcategory="correlated pairs",
        labels=_b_labels("correlated pairs"),
    ),
    "uncorrelated_pairs": _fig(
        "{model}/figures/uncorrelated_pairs_b{b}",
        PAIRS,
        "uncorrelated_pairs",
        "non-correlated dominant pairs",
        subcategory="non-correlated pairs",
        labels=_b_labels("non-correlated pairs"),
    ),
    "border_density": _fig(
        "{model}/figures/border_density",
        PAIRS,
        "border_density",
        "density towards the border",
        subcategory="border density",
        labels={"name": "border density"},
    ),
    "special_image": _fig(
        "{model}/figures/special_image",
        PAIRS,
        "special_image",
        "the highlighted real image",
        subcategory="the highlighted image",
        when="decoder",
    ),
    "component_histograms": _fig(
        "{model}/figures/component_histograms", COMPONENTS, "component_histograms", "component histograms"
    ),
    "correlation_heatmap": _fig(
        "{model}/figures/correlation_heatmap", CORRELATIONS, "correlation_heatmap", "correlation heatmap"
    ),
    "threshold_counts_figure": _fig(
        "{model}/figures/threshold_counts", CORRELATIONS, "threshold_counts_figure", "pair counts"
    ),
    "structure_figure": _fig(
        "{model}/figures/structure", CORRELATIONS, "structure_figure", "spectra, |r|, shapes"
    ),
    "factor_correlations_figure": _fig(
        "{model}/figures/factor_correlations",
        COMPONENTS,
        "factor_correlations_figure",
        "components against factors",
        when="synthetic",
    ),
    "radii_figure": _fig("{model}/figures/radii", VECTORS, "radii", "lengths against uniform vectors"),
    "coverage_figure": _fig("{model}/figures/coverage", VECTORS, "coverage_figure", "coverage by generator"),
    "origin_figure": _fig("{model}/figures/origin", ORIGIN, "origin", "the origin's distance, per component"),
    "origin_views": _fig(
        "{model}/figures/origin_views", ORIGIN, "origin_views", "the origin in the principal axes and beyond"
    ),
    "decoded": _fig(
        "{model}/figures/decoded_{generator}",
        VECTORS,
        "decoded",
        "a generator's vectors decoded",
        subcategory="decoded faces",
        labels={"name": "decoded faces", "generator": "{generator}"},
        when="decoder",
    ),
    # pages
    "explorer": Output(
        "{model}/report/explorer.html",
        "page",
        EXPLORE,
        "explorer",
        "the interactive explorer",
        labels={"name": "explorer: any pair of components, any point and its face"},
        when="decoder",
    ),
    "summary": Output(
        "{model}/report/summary.html",
        "page",
        SUMMARY,
        "summary",
        "the summary page",
        labels={"name": "summary page: findings and the numbers behind them"},
    ),
    "summary_table": Output("{model}/report/summary.tsv", "array", what="the summary page's numbers"),
    "summary_digest": Output(
        "{model}/report/findings.rst", "array", what="the findings as the report's front page shows them"
    ),
    # several models side by side
    "comparison": Output("compare/models.tsv", "array", what="one row per model", when="compare"),
    "comparison_page": Output(
        "compare/summary.html", "page", COMPARISON, "compare_summary", "the comparison", when="compare"
    ),
    "threshold_shares": _fig(
        "compare/figures/threshold_shares", COMPARISON, "compare_thresholds", "pair shares", when="compare"
    ),
    "comparison_coverage": _fig(
        "compare/figures/coverage", COMPARISON, "compare_coverage", "coverage per model", when="compare"
    ),
    "prior_faces": _fig(
        "compare/figures/prior_faces", COMPARISON, "compare_prior_faces", "N(0, I) decoded", when="compare"
    ),
}

TABLES = [name for name, o in OUTPUTS.items() if o.kind == "table"]


def page_path(name: str) -> str:
    """The HTML page of table ``name``, beside the model's other pages."""
    return f"{{model}}/tables/{name}.html"


def applies(o: Output, **run: bool) -> bool:
    """Whether output ``o`` is made in a run with these properties (``run_properties``)."""
    return o.when is None or run[o.when]


def has_images(config: dict) -> bool:
    """A run on images, with a model; not one on the user's own latents."""
    return config["dataset"]["source"] != "latents"


def run_properties(config: dict, models: dict) -> dict[str, bool]:
    """What the ``when`` of an output asks of a run: synthetic images, several models, images,
    a trained model, a decoder (``models``: each model's settings, as the workflow checked them,
    or only their names for models of the default kind)."""
    from .kinds import kind_of

    images = has_images(config)
    settings = [m or {} for m in models.values()] if isinstance(models, dict) else [{}] * len(models)
    trained = images and all(kind_of(m).trained for m in settings)
    return {
        "synthetic": config["dataset"]["source"] == "synthetic",
        "compare": len(models) > 1,
        "images": images,
        "trained": trained,
        "decoder": trained or (images and all(m.get("decoder") for m in settings)),
    }


def wildcard_values(config: dict) -> dict[str, list]:
    """The values each wildcard other than ``model`` takes in a run."""
    return {
        "k": list(range(config["encode"]["shards"])),
        "b": list(config["figures"]["b_values"]),
        "generator": list(config["vectors"]["generators"]),
    }


def files(o: Output, formats) -> list[str]:
    """The files of one output (a figure: one per format)."""
    return [f"{o.path}.{ext}" for ext in formats] if o.kind == "figure" else [o.path]


def expected(config: dict, models) -> list[str]:
    """Every file of a run, relative to ``results/<run>/``, wildcards filled in: what ``rule all``
    asks for (with each table's page)."""
    run = run_properties(config, models)
    values = {**wildcard_values(config), "model": list(models)}
    patterns = []
    for name, o in OUTPUTS.items():
        if applies(o, **run):
            patterns += files(o, config["figures"]["formats"])
            if o.kind == "table" and o.per_model:
                patterns.append(page_path(name))
    out = []
    for p in patterns:
        keys = [f for _, f, _, _ in string.Formatter().parse(p) if f]
        for combo in itertools.product(*(values[k] for k in keys)):
            out.append(p.format(**dict(zip(keys, combo, strict=True))))
    return out
