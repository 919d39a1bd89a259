"""Figures explain themselves: titles, labels and warnings come from the data given."""

import numpy as np
import pytest
from PIL import Image

from aelatent.plots import coverage, distributions, pairs, radii
from aelatent.plots.common import place_labels, plt, save


@pytest.fixture
def drawn(monkeypatch):
    """The figures the plot functions would save, kept open for inspection."""
    figs = []
    for module in (coverage, distributions, pairs, radii):
        monkeypatch.setattr(module, "save", lambda fig, out, dpi: figs.append(fig))
    yield figs
    for fig in figs:
        plt.close(fig)


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts + [ax.title]] + [
        t.get_text() for t in fig.texts
    ]


def test_save_writes_every_format_and_a_reproducible_pdf(tmp_path):
    def draw(folder):
        folder.mkdir()
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        save(fig, [str(folder / "f.png"), str(folder / "f.pdf")], dpi=50)
        return folder

    a, b = draw(tmp_path / "a"), draw(tmp_path / "b")
    with Image.open(a / "f.png") as im:
        assert im.format == "PNG"
    assert (a / "f.pdf").read_bytes().startswith(b"%PDF")
    assert (a / "f.pdf").read_bytes() == (b / "f.pdf").read_bytes()
    assert sorted(p.name for p in a.iterdir()) == ["f.pdf", "f.png"]  # no temporaries left


def test_labels_in_a_dense_cluster_do_not_overlap():
    fig, ax = plt.subplots(figsize=(5, 4))
    rng = np.random.default_rng(0)
    xy = rng.normal(0, 0.08, (12, 2))  # about 20 px: labels must move apart to fit
    ax.scatter(*xy.T)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    place_labels(ax, xy, [f"{100 + k}" for k in range(12)])
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in ax.texts]
    assert len(boxes) == 12
    assert not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1 :])
    plt.close(fig)


def sweep(best: float) -> tuple[list[dict], list[np.ndarray]]:
    bs = [1.0, 1.5, 2.0]
    rows = [{"b": b, "ks": 0.1 if b == best else 0.5, "best": int(b == best)} for b in bs]
    return rows, [np.full(50, 10 * b) for b in bs]


def test_radii_warn_only_when_the_best_b_ends_the_sweep(drawn):
    r_real = np.random.default_rng(0).normal(15, 1, 200)
    rows, rad = sweep(2.0)
    radii.plot_radii(r_real, rad, rows, "x.png")
    rows, rad = sweep(1.5)
    radii.plot_radii(r_real, rad, rows, "x.png")
    at_end, inside = (" ".join(texts(f)) for f in drawn)
    assert "best b = 2 is at the end of the sweep" in at_end
    assert "end of the sweep" not in inside


def test_coverage_labels_every_bar_and_explains_the_generators(drawn):
    rows = [
        {"generator": g, "inside_fraction": f, "nn_ratio": n, "radius_ks": k}
        for g, f, n, k in [("uniform", 0.0, 40.0, 1.0), ("normal", 0.0, 3.0, 0.4), ("mvn", 0.97, 1.2, 0.05)]
    ]
    coverage.plot_coverage(rows, "x.png")
    (fig,) = drawn
    inside = fig.axes[0]
    assert [t.get_text() for t in inside.texts] == ["0.00", "0.00", "0.97"]
    assert inside.get_ylim()[0] < 0  # a zero bar is a visible line above the axis' bottom
    assert fig.axes[1].get_yscale() == "log"  # 40 against 1.2
    assert "uniform: every component uniform in [-b, b]" in " ".join(texts(fig))


def test_pair_grid_titles_panels_with_the_given_r(drawn):
    sample = np.random.default_rng(0).normal(size=(100, 4))
    pairs.plot_pair_grid(
        sample, [(0, 1), (2, 3)], "x.png", title="t", panel_titles=["0 - 1:  r = +0.90", "b"]
    )
    assert [ax.get_title() for ax in drawn[0].axes[:2]] == ["0 - 1:  r = +0.90", "b"]


def test_heatmap_labels_the_dominant_components_where_they_sit(drawn):
    d = 64
    rng = np.random.default_rng(0)
    corr = np.corrcoef(rng.normal(size=(500, d)), rowvar=False)
    components = [{"index": i, "dominant": int(i in (3, 40, 41))} for i in range(d)]
    distributions.plot_correlation_heatmap(corr, components, "x.png")
    labels = sorted(int(t.get_text()) for t in drawn[0].axes[0].get_xticklabels())
    assert labels == [3, 40, 41]


def test_histograms_use_the_peak_position_and_show_the_reference(drawn):
    edges = np.linspace(-3, 3, 49)
    counts = np.ones((4, 48))
    comps = [
        {
            "index": i,
            "mean": 0.1 * i,
            "std": 1.0,
            "peak": 0.25 * i,
            "hw": 1.0 + i,
            "hw_fine": 1.0 + i,
            "dominant": int(i > 1),
        }
        for i in range(4)
    ]
    ref = [{"index": 151, "mu": 1.5, "hw": 4.125}]
    distributions.plot_component_histograms(
        edges, counts, comps, "x.png", reference=ref, reference_name="article"
    )
    bx = drawn[0].axes[1]
    assert bx.get_xlabel().startswith("peak position")
    assert {t.get_text() for t in bx.texts} == {"2", "3"}
    legend = [t.get_text() for t in bx.get_legend().get_texts()]
    assert "article: dominant" in legend


def test_threshold_counts_put_the_reference_on_the_same_share_scale(drawn):
    rows = [
        {
            "threshold": t,
            "n_all": n,
            "n_sample": n + 1,
            "subset_low": n - 1,
            "subset_median": n,
            "subset_high": n + 2,
        }
        for t, n in [(0.1, 60), (0.5, 12)]
    ]
    ref = {
        "name": "article",
        "latent_dim": 256,
        "sample_size": 5000,
        "threshold_counts": [{"threshold": 0.1, "count": 1456}],
    }
    distributions.plot_threshold_counts(rows, 1000, 300, 16, "x.png", reference=ref)
    ax = drawn[0].axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["article: M = 5000, D = 256"].get_ydata() == pytest.approx([100 * 1456 / 32640])
    assert lines["all N = 1000 vectors (exact)"].get_ydata() == pytest.approx([50.0, 10.0])  # of 120 pairs
    assert ax.get_yscale() == "log"


def test_pair_grids_show_the_strongest_pairs_even_when_none_passes_the_threshold(tmp_path):
    from aelatent.figures.pairs import strongest_pairs

    # by hand: |r| 0.05 (0, 2) > 0.03 (1, 2) > 0.01 (0, 1); none above the default threshold 0.1
    corr = np.eye(3)
    corr[0, 1] = corr[1, 0] = 0.01
    corr[0, 2] = corr[2, 0] = -0.05
    corr[1, 2] = corr[2, 1] = 0.03
    np.save(tmp_path / "corr.npy", corr)
    assert strongest_pairs(str(tmp_path / "corr.npy"), 2) == ([(0, 2), (1, 2)], [-0.05, 0.03])
    # a two-component latent space has one pair to show, whatever n is asked
    np.save(tmp_path / "two.npy", np.array([[1.0, 0.02], [0.02, 1.0]]))
    assert strongest_pairs(str(tmp_path / "two.npy"), 16) == ([(0, 1)], [0.02])
