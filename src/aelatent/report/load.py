"""A run's tables as one typed object: what the findings and the summary page read, and nothing
they compute. Every field comes from a file the pipeline wrote (``load_run``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..io.sample import load_sample
from ..io.tables import read_tsv
from ..stats.correlations import correlated_pairs

# the strongest pairs kept from the correlation matrix, whatever the pair threshold: more than the
# reference lists (16), so the findings ask the article's question of as many pairs as it did
TOP_PAIRS = 64

# The files ``load_run`` reads, by the key the summarize rule gives them.
PATH_KEYS = (
    "structure",
    "counts",
    "pairs",
    "corr",
    "dominant",
    "special",
    "radii",
    "origin",
    "coverage",
    "metrics",
    "sample",
)


@dataclass
class RunSummary:
    """One model's numbers. ``structure`` is structure.tsv as quantity -> value; ``counts``,
    ``special``, ``coverage``, ``radii``, ``metrics`` and ``dominant_rows`` are the rows of their
    tables; ``pairs`` the pairs above the pair threshold, strongest first, and ``strongest_pairs``
    the ``TOP_PAIRS`` strongest of the correlation matrix whatever the threshold; ``origin`` the origin
    table's one row; ``uniform_b`` the uniform generator's setting (None: drawn at the best b)."""

    n: int
    dim: int
    m: int
    pair_threshold: float
    structure: dict = field(default_factory=dict)
    counts: list[dict] = field(default_factory=list)
    pairs: list[tuple[int, int]] = field(default_factory=list)
    strongest_pairs: list[tuple[int, int]] = field(default_factory=list)
    dominant_rows: list[dict] = field(default_factory=list)
    special: list[dict] = field(default_factory=list)
    coverage: list[dict] = field(default_factory=list)
    radii: list[dict] = field(default_factory=list)
    origin: dict | None = None
    metrics: list[dict] = field(default_factory=list)
    uniform_b: float | None = None

    @property
    def dominant(self) -> list[int]:
        return [int(r["index"]) for r in self.dominant_rows]

    @property
    def valid_mse(self) -> float | None:
        return float(self.metrics[-1]["valid_mse"]) if self.metrics else None

    @property
    def epochs(self) -> int:
        return len(self.metrics)

    @property
    def scale(self) -> float | None:
        """The latent scale: the median standard deviation of a component."""
        v = self.structure.get("component_std_median")
        return float(v) if isinstance(v, (int, float)) and math.isfinite(v) and v > 0 else None

    def count_at(self, t: float, key: str = "n_all"):
        """A threshold_counts column at threshold ``t`` (None where the table has no such row)."""
        row = next((r for r in self.counts if math.isclose(float(r["threshold"]), t)), {})
        return row.get(key)

    @property
    def best_radius_row(self) -> dict | None:
        return next((r for r in self.radii if r.get("best")), None)


def load_run(paths: dict, pair_threshold: float, uniform_b: float | None = None) -> RunSummary:
    """This run's tables (``paths``: the keys of PATH_KEYS)."""
    structure = {r["quantity"]: r["value"] for r in read_tsv(paths["structure"])}
    origin = read_tsv(paths["origin"])
    return RunSummary(
        n=int(structure["n_vectors"]),
        dim=int(structure["dim"]),
        m=len(load_sample(paths["sample"])[0]),
        pair_threshold=pair_threshold,
        structure=structure,
        counts=read_tsv(paths["counts"]),
        pairs=[(int(r["i"]), int(r["j"])) for r in read_tsv(paths["pairs"])],
        strongest_pairs=[(p["i"], p["j"]) for p in correlated_pairs(np.load(paths["corr"]), -1)[:TOP_PAIRS]],
        dominant_rows=read_tsv(paths["dominant"]),
        special=read_tsv(paths["special"]),
        coverage=read_tsv(paths["coverage"]),
        radii=read_tsv(paths["radii"]),
        origin=origin[0] if origin else None,
        # no training, and so no metrics, for source latents
        metrics=read_tsv(paths["metrics"]) if "metrics" in paths else [],
        uniform_b=uniform_b,
    )
