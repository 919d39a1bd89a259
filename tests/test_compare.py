"""The cross-model comparison: one row per model from its own tables, sentences computed from the
rows, a page with the numbers, and figures that show every model."""

import math
from html import unescape

import numpy as np
import pytest
from PIL import Image

from aelatent.io.tables import read_tsv, write_tsv
from aelatent.plots import model_comparison as plots
from aelatent.plots.common import plt
from aelatent.report.html import fmt
from aelatent.report.model_comparison import (
    dominant_count,
    model_row,
    per_model,
    summary_sentences,
    write_comparison,
)

THRESHOLDS = [0.1, 0.3, 0.5, 0.7, 0.9]
GENERATORS = ["uniform", "normal", "mvn", "standard_normal"]

# name -> (settings, counts n_all per threshold, effective rank, origin percentile, coverage)
MODELS = {
    "ae16": (
        {"kind": "ae", "latent_dim": 8},  # as checks.model_settings passes it: no other kind's keys
        [20, 14, 9, 4, 1],
        2.5,
        100.0,
        {"uniform": (0.0, 7.2), "normal": (0.02, 3.9), "mvn": (0.98, 1.8)},
    ),
    "vae16": (
        {"kind": "vae", "latent_dim": 12, "beta": 4.0},
        [10, 4, 2, 0, 0],
        9.0,
        61.5,
        {"uniform": (0.0, 5.1), "normal": (0.4, 1.6), "mvn": (0.99, 1.2), "standard_normal": (0.87, 1.3)},
    ),
    "rae16": (
        {"kind": "rae", "latent_dim": 10, "latent_l2": 1e-3, "decoder_weight_decay": 1e-6},
        [30, 20, 12, 6, 2],
        4.0,
        99.2,
        {"uniform": (0.0, 9.0), "normal": (0.1, 2.2), "mvn": (0.97, 1.5), "standard_normal": (0.03, 4.4)},
    ),
}


def sentence(rows, pair_threshold):
    return " ".join(summary_sentences(rows, pair_threshold))


def components_table(dim: int, seed: int, big_mean=(), wide=()) -> list[dict]:
    """Components like components.tsv's: means spread evenly over [-0.2, 0.2] and widths over
    [0.45, 0.55] in shuffled order, the ``big_mean`` and ``wide`` indices made outliers."""
    rng = np.random.default_rng(seed)
    means, widths = (
        rng.permutation(np.linspace(-0.2, 0.2, dim)),
        rng.permutation(np.linspace(0.45, 0.55, dim)),
    )
    rows = []
    for i in range(dim):
        mean = means[i] + (4.0 if i in big_mean else 0.0)
        hw = widths[i] + (2.0 if i in wide else 0.0)
        rows.append(
            {
                "index": i,
                "mean": mean,
                "std": hw / 2.355,
                "peak": mean,
                "hw": hw,
                "hw_fine": hw,
                "min": mean - 3,
                "max": mean + 3,
                "dominant": int(i in big_mean or i in wide),
            }
        )
    return rows


def write_model(folder, name: str) -> dict:
    """The per-model files of one model, in the real files' columns."""
    settings, counts, rank, percentile, coverage = MODELS[name]
    dim = settings["latent_dim"]
    folder.mkdir(parents=True)
    paths = {k: str(folder / f"{k}.tsv") for k in ("metrics", "counts", "structure", "components")}
    paths |= {"origin": str(folder / "origin.tsv"), "coverage": str(folder / "coverage.tsv")}
    write_tsv(
        [
            {
                "epoch": e,
                "train_mse": 0.03 / e,
                "valid_mse": 0.031 / e,
                "images_per_s": 2000.0,
                "warmup_s": 0.1,
            }
            for e in (1, 2, 3)
        ],
        paths["metrics"],
    )
    write_tsv(
        [
            {
                "threshold": t,
                "n_all": n,
                "n_sample": n,
                "subset_low": n - 1.5,
                "subset_median": n,
                "subset_high": n + 1.5,
            }
            for t, n in zip(THRESHOLDS, counts, strict=True)
        ],
        paths["counts"],
    )
    write_tsv(
        [
            {"quantity": "n_vectors", "value": 600, "meaning": "vectors N"},
            {"quantity": "dim", "value": dim, "meaning": "latent dimension D"},
            {"quantity": "n_pairs", "value": dim * (dim - 1) // 2, "meaning": "pairs"},
            {"quantity": "corr_effective_rank", "value": rank, "meaning": "effective rank"},
        ],
        paths["structure"],
    )
    outliers = {"ae16": ((1, 4), (6,)), "vae16": ((), ()), "rae16": ((2,), (2, 7))}[name]
    write_tsv(components_table(dim, len(name) + dim, *outliers), paths["components"])
    write_tsv(
        [
            {
                "origin_mahalanobis": 4.0 + percentile / 10,
                "real_mahalanobis_median": 3.8,
                "real_mahalanobis_p99": 7.0,
                "origin_percentile": percentile,
                "components_containing_0": 0.7,
                "components_0_near_edge": 0.25,
                "edge_fraction": 0.1,
                "condition": 4609.08,
                "condition_raw": 4609.08,
            }
        ],
        paths["origin"],
    )
    write_tsv(
        [
            {
                "generator": g,
                "n": 200,
                "inside_fraction": inside,
                "nn_distance": ratio * 0.47,
                "nn_baseline": 0.47,
                "nn_ratio": ratio,
                "radius_median": 3.0,
                "real_radius_median": 2.75,
                "radius_ks": 0.3,
                "n_reference": 150,
                "condition": 4609.08,
                "condition_raw": 4609.08,
            }
            for g, (inside, ratio) in coverage.items()
        ],
        paths["coverage"],
    )
    return paths


@pytest.fixture
def models(tmp_path) -> tuple[dict, dict]:
    """(name -> settings, name -> paths) for three models of different kind and D."""
    return (
        {name: m[0] for name, m in MODELS.items()},
        {name: write_model(tmp_path / name, name) for name in MODELS},
    )


@pytest.mark.parametrize("name", list(MODELS))
def test_model_row_matches_the_tables(models, name):
    settings, paths = models
    row = model_row(name, settings[name], paths[name], THRESHOLDS)
    _, counts, rank, percentile, coverage = MODELS[name]
    dim = settings[name]["latent_dim"]
    assert (row["model"], row["kind"], row["latent_dim"]) == (name, settings[name]["kind"], dim)
    shares = np.array(counts) / (dim * (dim - 1) / 2)
    for t, n, s in zip(THRESHOLDS, counts, shares, strict=True):
        assert row[f"pairs_r{t:g}"] == n
        assert row[f"share_r{t:g}"] == pytest.approx(s)
    assert row["valid_mse"] == pytest.approx(0.031 / 3, rel=1e-5)
    assert row["effective_rank"] == rank
    assert row["effective_rank_share"] == pytest.approx(rank / dim)
    comps = read_tsv(paths[name]["components"])
    assert row["dominant"] == sum(c["dominant"] for c in comps)  # the run's one rule, its flags
    assert row["origin_percentile"] == percentile
    assert row["origin_mahalanobis"] == pytest.approx(4.0 + percentile / 10)
    for g, (inside, ratio) in coverage.items():
        assert (row[f"inside_{g}"], row[f"nn_ratio_{g}"]) == (inside, ratio)
    # a kind's settings appear for that kind only
    kind = settings[name]["kind"]
    assert math.isnan(row["beta"]) != (kind == "vae")
    assert math.isnan(row["latent_l2"]) != (kind == "rae")
    assert math.isnan(row["decoder_weight_decay"]) != (kind == "rae")


def test_the_comparison_counts_the_dominant_components_the_run_flags():
    """One definition of dominant: the comparison reads the flags components.tsv carries (the
    n components with the largest |mean| + hw_fine), as the summary and the figures do."""
    from aelatent.stats.components import dominant_indices

    comps = components_table(40, 3, big_mean=(5, 17), wide=(17, 30, 31))
    top = set(dominant_indices([c["mean"] for c in comps], [c["hw_fine"] for c in comps], 4))
    assert top == {5, 17, 30, 31}
    flagged = [dict(c, dominant=int(c["index"] in top)) for c in comps]
    assert dominant_count(flagged) == 4
    assert dominant_count([dict(c, dominant=0) for c in comps]) == 0


def test_sentence_names_lowest_and_highest_share_and_the_prior(models):
    settings, paths = models
    rows = [model_row(n, settings[n], paths[n], THRESHOLDS) for n in MODELS]
    text = sentence(rows, 0.5)
    # shares at 0.5: ae16 9/28 = 32.1%, vae16 2/66 = 3.03%, rae16 12/45 = 26.7%
    assert "lowest in vae16 (3.03%), highest in ae16 (32.1%)" in text
    assert "The plain autoencoder ae16 has 32.1%, the highest of the 3 models" in text
    assert "inside the cloud" in text and "vae16 (87%)" in text
    assert "outside that of rae16 (3%)" in text
    assert "not measured for ae16" in text
    assert "ae16 100%, vae16 61.5%, rae16 99.2%" in text
    # at 0.9 vae16 has no pair at all
    at_09 = sentence(rows, 0.9)  # ae16 1/28 = 3.57%, vae16 0/66, rae16 2/45 = 4.44%
    assert "lowest in vae16 (0%), highest in rae16 (4.44%)" in at_09
    assert "ae16 has 3.57%, between them: 1 model lower, 1 higher" in at_09


def test_sentence_survives_missing_numbers(models):
    settings, paths = models
    rows = [model_row(n, settings[n], paths[n], THRESHOLDS) for n in MODELS]
    assert "not measured (no standard_normal" in sentence([rows[0]], 0.5)
    assert "No model has a count" in sentence(rows, 0.42)
    one_count = [rows[0], dict(rows[1], **{"share_r0.5": float("nan")})]
    assert "Only ae16 has a count of component pairs with |r| > 0.5: 32.1%" in sentence(one_count, 0.5)
    no_ae = [dict(r, origin_percentile=float("nan")) for r in rows[1:]]
    text = sentence(no_ae, 0.5)
    assert "No plain autoencoder" in text and "Share of real vectors nearer" not in text


def test_comparison_tsv_and_page(models, tmp_path):
    settings, paths = models
    tsv, page = tmp_path / "compare.tsv", tmp_path / "compare.html"
    rows = write_comparison(settings, paths, str(tsv), str(page), thresholds=THRESHOLDS, pair_threshold=0.5)
    back = read_tsv(tsv)
    assert [r["model"] for r in back] == list(MODELS)  # the config's order
    header = tsv.read_text().splitlines()[0].split("\t")
    assert header[:7] == [
        "model",
        "kind",
        "latent_dim",
        "beta",
        "latent_l2",
        "decoder_weight_decay",
        "valid_mse",
    ]
    assert header[-8:] == [f"inside_{g}" for g in GENERATORS] + [f"nn_ratio_{g}" for g in GENERATORS]
    assert math.isnan(back[0]["inside_standard_normal"])  # ae16 did not measure it
    assert back[2]["share_r0.5"] == pytest.approx(12 / 45, rel=1e-5)
    html = unescape(page.read_text())
    assert "Models compared" in html and "lowest in vae16 (3.03%)" in html
    for r in rows:
        assert r["model"] in html
        assert fmt(r["valid_mse"]) in html
        assert fmt(100 * r["share_r0.5"]) in html
        assert fmt(r["effective_rank"]) in html
    assert "data:text/tab-separated-values;base64," in html
    assert "largest |mean| + hw_fine" in unescape(html)  # the one dominant rule is stated


def test_one_model_is_a_comparison_too(models, tmp_path):
    settings, paths = models
    rows = write_comparison(
        {"vae16": settings["vae16"]},
        {"vae16": paths["vae16"]},
        str(tmp_path / "c.tsv"),
        str(tmp_path / "c.html"),
        thresholds=THRESHOLDS,
        pair_threshold=0.5,
    )
    assert len(read_tsv(tmp_path / "c.tsv")) == 1
    assert "Only one model, vae16: 3.03%" in unescape((tmp_path / "c.html").read_text())
    plots.plot_threshold_shares(rows, THRESHOLDS, str(tmp_path / "t.png"), 50)
    plots.plot_model_coverage(rows, GENERATORS, str(tmp_path / "c.png"), 50)
    assert (tmp_path / "t.png").stat().st_size > 1000


def test_per_model_splits_the_rules_flat_lists():
    got = per_model({"a": {}, "b": {}}, {"metrics": ["a/m", "b/m"], "counts": ["a/c", "b/c"]})
    assert got == {"a": {"metrics": "a/m", "counts": "a/c"}, "b": {"metrics": "b/m", "counts": "b/c"}}
    assert per_model(["a"], {"metrics": "a/m"}) == {"a": {"metrics": "a/m"}}
    with pytest.raises(ValueError, match="1 counts files for 2 models"):
        per_model(["a", "b"], {"counts": ["a/c"]})


def png_size(path) -> tuple[int, int]:
    with Image.open(path) as im:
        assert im.format == "PNG"
        return im.size


def test_figures_are_pngs_of_plausible_size(models, tmp_path):
    settings, paths = models
    rows = write_comparison(
        settings,
        paths,
        str(tmp_path / "c.tsv"),
        str(tmp_path / "c.html"),
        thresholds=THRESHOLDS,
        pair_threshold=0.5,
    )
    shares, cover = tmp_path / "threshold_shares.png", tmp_path / "coverage.png"
    plots.plot_threshold_shares(rows, THRESHOLDS, [str(shares), str(tmp_path / "t.pdf")], 80)
    plots.plot_model_coverage(rows, GENERATORS, [str(cover)], 80)
    w, h = png_size(shares)
    assert 500 < w < 1500 and 350 < h < 1000
    w, h = png_size(cover)
    assert 800 < w < 2000 and 350 < h < 1000
    assert (tmp_path / "t.pdf").read_bytes().startswith(b"%PDF")


def test_threshold_figure_has_a_line_per_model_and_marks_zero_shares(models, monkeypatch):
    settings, paths = models
    rows = [model_row(n, settings[n], paths[n], THRESHOLDS) for n in MODELS]
    figs = []
    monkeypatch.setattr(plots, "save", lambda fig, out, dpi: figs.append(fig))
    plots.plot_threshold_shares(rows, THRESHOLDS, "x.png", 50)
    ax = figs[0].axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:3] == ["ae16 (ae, D = 8)", "vae16 (vae, D = 12)", "rae16 (rae, D = 10)"]
    assert ax.get_yscale() == "log"  # shares from 1.5% to 67%: decades apart
    assert any("no pair above t" in s for s in labels)  # vae16's zeros are drawn
    plt.close(figs[0])


def faces(n: int, size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def test_prior_faces_has_one_labelled_row_per_model(monkeypatch, tmp_path):
    grid = {"ae16": faces(6, 16, 0), "vae16": faces(6, 16, 1), "rae16": faces(4, 16, 2)}
    plots.plot_prior_faces(grid, [str(tmp_path / "prior_faces.png")], 60)
    w, h = png_size(tmp_path / "prior_faces.png")
    assert 200 < w < 1200 and 100 < h < 800
    figs = []
    monkeypatch.setattr(plots, "save", lambda fig, out, dpi: figs.append(fig))
    plots.plot_prior_faces(grid, "x.png", 60)
    axes = figs[0].axes
    assert [ax.get_ylabel() for ax in axes] == list(grid)
    shapes = [ax.get_images()[0].get_array().shape for ax in axes]
    assert shapes == [(16, 6 * 17 - 1, 3), (16, 6 * 17 - 1, 3), (16, 4 * 17 - 1, 3)]
    plt.close(figs[0])


def test_prior_faces_decodes_each_models_vectors(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from aelatent.figures import model_comparison as figures
    from aelatent.nn import checkpoint
    from aelatent.nn.model import Autoencoder

    cfg = {
        "kind": "ae",
        "filters_encoder": [4, 4],
        "filters_decoder": [4, 4],
        "kernel_sizes": [3, 3],
        "strides": [2, 2],
        "latent_dim": 3,
        "activation": "leaky_relu",
        "normalization": "none",
    }
    torch.manual_seed(0)
    model = Autoencoder(cfg, 8)
    checkpoint.save_atomic(
        {"model": model.state_dict(), "model_config": cfg, "image_size": 8}, tmp_path / "model.pt"
    )
    np.save(tmp_path / "z.npy", np.random.default_rng(0).standard_normal((10, 3)))
    got = {}
    monkeypatch.setattr(figures, "plot_prior_faces", lambda f, out, dpi: got.update(f))
    figures.prior_faces(
        {"a": str(tmp_path / "model.pt"), "b": str(tmp_path / "model.pt")},
        {"a": str(tmp_path / "z.npy"), "b": str(tmp_path / "z.npy")},
        "x.png",
        n=4,
        dpi=50,
    )
    assert list(got) == ["a", "b"]
    assert got["a"].shape == (4, 8, 8, 3) and got["a"].dtype == np.uint8
