"""Models as a wildcard: the tiny sweep (an AE, a VAE and an RAE on the tiny run's images) planned
over the finished tiny run, run end to end, compared, and replanned after one model's change."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
import zarr
from conftest import planned, planned_models, results, run_dir, snakemake

from aelatent.io.tables import read_tsv

pytestmark = pytest.mark.e2e
SWEEP = "config/tiny_sweep.yaml"
MODELS = ["ae", "vae", "rae"]
COMPARISON = {
    "compare_models": {"-"},
    "plot_model_comparison": {"-"},
    "plot_prior_faces": {"-"},
    "all": {"-"},
}


def sweep_with(work: Path, name: str, **models) -> str:
    cfg = yaml.safe_load((work / SWEEP).read_text())
    for model, settings in models.items():
        cfg["models"][model] = settings
    (work / "config" / name).write_text(yaml.safe_dump(cfg, sort_keys=False))
    return f"config/{name}"


@pytest.fixture(scope="module")
def sweep(work):
    """The plan of adding the VAE and RAE to the finished tiny run, then the sweep run."""
    plan = planned_models(work, SWEEP)
    snakemake(work, config=SWEEP)
    return plan


def test_adding_models_plans_only_their_chains_and_the_comparison(sweep):
    chains = {rule: models for rule, models in sweep.items() if rule not in COMPARISON}
    assert chains and all(models == {"vae", "rae"} for models in chains.values()), chains
    assert {rule: sweep[rule] for rule in COMPARISON} == COMPARISON
    assert {"train_model", "encode_shard", "coverage", "summarize"} <= set(chains)
    assert "prepare_images" not in sweep and "plot_sample_grid" not in sweep


def test_a_finished_sweep_plans_nothing(work, sweep):
    assert planned(work, SWEEP) == {}


def test_changing_one_models_beta_reruns_only_its_chain(work, sweep):
    plan = planned_models(work, sweep_with(work, "beta.yaml", vae={"kind": "vae", "beta": 2.0}))
    chains = {rule: models for rule, models in plan.items() if rule not in COMPARISON}
    assert {"train_model", "encode_shard", "correlations", "decode_vectors"} <= set(chains)
    assert all(models == {"vae"} for models in chains.values()), chains
    assert {rule: plan[rule] for rule in COMPARISON} == COMPARISON


def test_tuning_a_setting_another_kind_ignores_reruns_nothing(work, sweep):
    # beta is read by VAEs only; the AE and the RAE inherit it from model but never carry it
    cfg = yaml.safe_load((work / SWEEP).read_text())
    cfg["model"]["beta"] = 3.0
    (work / "config" / "model_beta.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    assert planned(work, "config/model_beta.yaml") == {}


def test_the_vae_studies_its_encoders_mean(work, sweep):
    import torch

    from aelatent.io.images import open_image_store
    from aelatent.nn.model import to_input
    from aelatent.nn.train import load_model

    model = load_model(str(results(work, "vae") / "model" / "model.pt"))
    images = open_image_store(str(run_dir(work) / "data" / "images.zarr"))["images"][:64]
    with torch.inference_mode():
        mu, logvar = model.encode_stats(to_input(torch.from_numpy(images)))
    z = zarr.open_array(str(results(work, "vae") / "latents" / "z.zarr"), mode="r")[:64]
    np.testing.assert_allclose(z, mu.numpy(), rtol=1e-5, atol=1e-5)
    assert logvar is not None and not np.allclose(mu.numpy(), 0)


def test_comparison_table_holds_each_models_own_numbers(work, sweep):
    rows = read_tsv(str(run_dir(work) / "compare" / "models.tsv"))
    assert [r["model"] for r in rows] == MODELS
    assert [r["kind"] for r in rows] == ["ae", "vae", "rae"]
    for row in rows:
        r = results(work, row["model"])
        assert row["valid_mse"] == pytest.approx(read_tsv(str(r / "model" / "metrics.tsv"))[-1]["valid_mse"])
        corr = np.load(r / "stats" / "corr.npy")
        dim = corr.shape[0]
        upper = np.abs(corr[np.triu_indices(dim, 1)])
        counts = {c["threshold"]: c["n_all"] for c in read_tsv(str(r / "stats" / "threshold_counts.tsv"))}
        for t, n_all in counts.items():
            assert row[f"pairs_r{t}"] == n_all
            assert row[f"share_r{t}"] == pytest.approx(n_all / (dim * (dim - 1) / 2), rel=1e-5)  # .6g
        # effective rank: exp(entropy) of the correlation matrix's eigenvalue shares
        lam = np.clip(np.linalg.eigvalsh(corr), 0, None)
        p = lam[lam > 0] / lam.sum()
        assert row["effective_rank"] == pytest.approx(math.exp(-(p * np.log(p)).sum()), rel=1e-3)
        assert int((upper > 0.5).sum()) == counts[0.5]
        cov = {c["generator"]: c for c in read_tsv(str(r / "stats" / "coverage.tsv"))}
        for g, c in cov.items():
            assert row[f"inside_{g}"] == pytest.approx(c["inside_fraction"])
            assert row[f"nn_ratio_{g}"] == pytest.approx(c["nn_ratio"])


def test_comparison_page_and_figures(work, sweep):
    cmp = run_dir(work) / "compare"
    page = (cmp / "summary.html").read_text()
    for model in MODELS:
        assert f"<td>{model}</td>" in page
    for fig in ("threshold_shares", "coverage", "prior_faces"):
        assert (cmp / "figures" / f"{fig}.png").read_bytes().startswith(b"\x89PNG"), fig


def test_report_has_a_model_comparison_category_and_one_set_per_model(work, sweep):
    report = run_dir(work) / "sweep_report.html"
    snakemake(work, "--report", str(report), config=SWEEP)
    html = report.read_text()
    cats = json.loads(re.search(r"var categories = (\{.*?\});?\n", html)[1])
    assert sorted(cats, key=str.lower)[0] == "0. Model comparison"
    for model in MODELS:
        assert f"{model} · 0. Findings" in cats and f"{model} · 3. Latent vector components" in cats
    assert "1. Images" in cats  # the shared image store's sample grid
    # figure names repeat across models: the front page points to each model's summary page
    assert "its findings are on its summary page" in html and "system-message" not in html
    assert "prior_faces.png" in html and "threshold_shares.png" in html
