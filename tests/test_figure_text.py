"""No figure overprints text: every figure the pipeline draws, made from inputs like a run's, has no
two texts (titles, axis and tick labels, legends, annotations, notes) whose boxes overlap, as
matplotlib's renderer lays them out."""

import numpy as np
import pytest
from matplotlib.text import Text

from aelatent.plots import coverage, distributions, factors, model_comparison, origin, pairs, radii, structure
from aelatent.plots import training as training_plots
from aelatent.plots.common import plt
from aelatent.vectors.names import GENERATORS

MODULES = (
    coverage,
    distributions,
    factors,
    model_comparison,
    origin,
    pairs,
    radii,
    structure,
    training_plots,
)


@pytest.fixture
def drawn(monkeypatch):
    figs = []
    for module in MODULES:
        monkeypatch.setattr(module, "save", lambda fig, out, dpi: figs.append(fig))
    yield figs
    for fig in figs:
        plt.close(fig)


def drawn_texts(fig) -> list:
    """Every non-empty text matplotlib's renderer actually draws for ``fig`` (tick labels beyond an
    axis' limits exist as artists but are not drawn), each with its box in display coordinates."""
    seen = []
    original = Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            seen.append((self.get_text(), self.get_window_extent(renderer)))

    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    return seen


def overlaps(fig) -> list[tuple[str, str]]:
    boxes = [(t, b.shrunk(0.98, 0.9)) for t, b in drawn_texts(fig) if b.width > 0 and b.height > 0]
    return [(a, b) for k, (a, ba) in enumerate(boxes) for b, bb in boxes[k + 1 :] if ba.overlaps(bb)]


def components(dim: int, dominant: list[int], rng) -> list[dict]:
    mean = rng.normal(0, 0.3, dim)
    mean[dominant] += rng.normal(0, 1.5, len(dominant))
    hw = rng.uniform(1.0, 2.0, dim)
    hw[dominant] += rng.uniform(1.0, 4.0, len(dominant))
    return [
        {
            "index": i,
            "mean": mean[i],
            "peak": mean[i] + 0.05,
            "hw": hw[i],
            "hw_fine": hw[i],
            "dominant": int(i in dominant),
        }
        for i in range(dim)
    ]


REFERENCE = {
    "name": "the article (CelebA)",
    "latent_dim": 256,
    "sample_size": 5000,
    "threshold_counts": [
        {"threshold": t, "count": c}
        for t, c in zip([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [1456, 158, 44, 25, 16, 8], strict=True)
    ],
    "dominant": [
        {"index": i, "mu": m, "hw": h} for i, m, h in [(151, 1.5, 4.125), (118, 2.25, 2.25), (16, 0.5, 1.125)]
    ],
}


def test_no_figure_overprints_text(drawn):
    rng = np.random.default_rng(0)
    dim, dominant = 256, sorted(rng.choice(256, 20, replace=False).tolist())
    comps = components(dim, dominant, rng)
    edges = np.arange(-8, 8.125, 0.125)
    centres = 0.5 * (edges[:-1] + edges[1:])
    counts = np.array(
        [1000 * np.exp(-0.5 * ((centres - c["mean"]) / (c["hw_fine"] / 2.355)) ** 2) for c in comps]
    )
    distributions.plot_component_histograms(
        edges, counts, comps, "x.png", reference=REFERENCE["dominant"], reference_name=REFERENCE["name"]
    )

    # a correlated block of dominant components: neighbours in the clustered order
    z = rng.normal(size=(3000, 8)) @ rng.normal(size=(8, dim)) * 0.3 + rng.normal(size=(3000, dim))
    z[:, dominant] += rng.normal(size=(3000, 1)) * 2
    distributions.plot_correlation_heatmap(np.corrcoef(z, rowvar=False), comps, "x.png")

    rows = [
        {
            "threshold": t,
            "n_all": n,
            "n_sample": n + 3,
            "subset_low": n - 5,
            "subset_median": n,
            "subset_high": n + 6,
        }
        for t, n in [(0.1, 1700), (0.2, 900), (0.3, 500), (0.4, 300), (0.5, 160), (0.6, 80)]
    ]
    distributions.plot_threshold_counts(rows, 12000, 5000, dim, "x.png", reference=REFERENCE)

    ev = np.sort(rng.gamma(0.3, 1.0, dim))[::-1] * 20
    spectrum = [
        {
            "rank": k + 1,
            "corr_eigenvalue": ev[k] / ev.mean(),
            "corr_cumulative": ev[: k + 1].sum() / ev.sum(),
            "cov_eigenvalue": ev[k],
            "cov_cumulative": ev[: k + 1].sum() / ev.sum(),
        }
        for k in range(dim)
    ]
    shape = [
        {
            "index": i,
            "skew": rng.normal(0, 0.2),
            "excess_kurtosis": rng.normal(-0.3, 0.5),
            "ks_normal": abs(rng.normal(0.02, 0.01)),
            "dominant": int(i in dominant),
        }
        for i in range(dim)
    ]
    info = {
        "marchenko_pastur_edge": 1.3,
        "corr_eigenvalues_above_edge": 25,
        "corr_participation_ratio": 12.3,
        "cov_components_90pct": 17,
        "cov_participation_ratio": 5.2,
        "n_vectors": 12000,
        "abs_r_noise": 0.007,
        "ks_limit": 0.02,
        "near_gaussian_share": 0.45,
    }
    abs_r = np.abs(rng.normal(0, 0.1, dim * (dim - 1) // 2))
    structure.plot_structure(spectrum, abs_r, abs_r * 1.1, shape, info, "x.png", thresholds=[0.1, 0.3, 0.5])

    r_real = rng.normal(28, 3, 5000)
    bs = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.05, 3.1, 4.0]
    radii_rows = [
        {
            "b": b,
            "ks": abs(b - 3.05) / 4,
            "radius_median": 9.2 * b,
            "refined": int(b in (3.05, 3.1)),
            "best": int(b == 3.05),
        }
        for b in bs
    ]
    radii.plot_radii(
        r_real, [np.full(500, 9.2 * b) + rng.normal(0, 0.3, 500) for b in bs], radii_rows, "x.png"
    )
    radii.plot_radii(
        r_real,
        [np.full(500, 9.2 * b) for b in bs],
        [dict(r, best=int(r["b"] == 4.0)) for r in radii_rows],
        "x.png",
    )

    cov_rows = [
        {"generator": g, "inside_fraction": f, "nn_ratio": n, "radius_ks": k}
        for g, f, n, k in zip(
            GENERATORS,
            [0.0, 0.02, 1.0, 1.0, 1.0, 0.0],
            [1.42, 1.3, 1.36, 1.18, 1.2, 2.1],
            [0.62, 0.3, 0.05, 0.04, 0.1, 0.9],
            strict=True,
        )
    ]
    coverage.plot_coverage(cov_rows, "x.png")

    sample = rng.normal(size=(2000, dim))
    pairs.plot_pair_grid(
        sample,
        [(i, j) for i, j in zip(dominant[:16], dominant[4:20], strict=True)],
        "x.png",
        title="The 16 most correlated component pairs (r over all vectors, strongest first); "
        "statistical vectors for b = 4",
        panel_titles=[f"{i} - {j}:  r = +0.81" for i, j in zip(dominant[:16], dominant[4:20], strict=True)],
        stat=rng.uniform(-4, 4, (10, dim)),
        stat_label="10 uniform vectors in [-4, 4]",
        special=sample[5],
        special_label="image 6415",
    )

    face = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    pairs.plot_special_image(
        face,
        face,
        rng.normal(size=dim),
        "The real image marked orange in every pair grid: image 6415 (index 90,415 modulo N = 12,000; "
        "the article highlights its image 90415)",
        "x.png",
    )

    d_real = rng.chisquare(dim, 2500) ** 0.5
    info = {
        "real_mahalanobis_p99": float(np.percentile(d_real, 99)),
        "origin_mahalanobis": 28.0,
        "origin_percentile": 100.0,
        "edge_fraction": 0.1,
        "components_0_near_edge": 0.0,
    }
    positions = np.concatenate([rng.uniform(0.2, 0.8, dim - 1), [1.3]])
    origin.plot_origin(d_real, info, positions, "x.png")
    views = {
        "k_principal": np.array(17),
        "dim": np.array(dim),
        "d_principal": rng.chisquare(17, 2500) ** 0.5,
        "d_rest": rng.chisquare(dim - 17, 2500) ** 0.5,
        "origin_principal": np.array(1.54),
        "origin_rest": np.array(27.9),
        "along": rng.normal(0, 1, 2500),
        "origin_along": np.array(28.0),
        "plane": rng.normal(0, [3.0, 2.0], (2500, 2)),
        "origin_plane": np.array([-1.0, 0.5]),
        "plane_share": np.array([0.3, 0.15]),
    }
    origin.plot_origin_views(views, "x.png")

    training_plots.plot_loss_curve(
        [{"epoch": e, "train_mse": 0.01 / e, "valid_mse": 0.011 / e} for e in (1, 2, 3)], "x.png"
    )
    factor_rows = [
        {"component": i, **{f"factor_{k}": rng.uniform(-1, 1) for k in range(12)}} for i in range(dim)
    ]
    factors.plot_factor_correlations(factor_rows, "x.png")

    model_rows = [
        {
            "model": name,
            "kind": kind,
            "latent_dim": dim,
            **{f"share_r{t:g}": s for t, s in zip([0.1, 0.3, 0.5], shares, strict=True)},
            **{f"inside_{g}": rng.uniform() for g in GENERATORS},
            **{f"nn_ratio_{g}": rng.uniform(1, 3) for g in GENERATORS},
        }
        for name, kind, shares in [
            ("ae", "ae", [0.05, 0.01, 0.002]),
            ("vae", "vae", [0.01, 0.001, 0.0]),
            ("rae", "rae", [0.04, 0.02, 0.01]),
        ]
    ]
    model_comparison.plot_threshold_shares(model_rows, [0.1, 0.3, 0.5], "x.png")
    model_comparison.plot_model_coverage(model_rows, list(GENERATORS), "x.png")

    assert len(drawn) == 15
    bad = {k: overlaps(fig) for k, fig in enumerate(drawn)}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, {k: (drawn[k].texts[:1] and drawn[k].texts[0].get_text(), v[:6]) for k, v in bad.items()}


def test_twenty_dominant_curves_are_twenty_colours():
    styles = distributions.dominant_styles(20)
    assert len({s["color"] for s in styles}) == 20
    assert "0.75" not in {s["color"] for s in styles}  # none the grey of the ordinary components
