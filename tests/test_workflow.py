"""End-to-end: the tiny config through the whole DAG, the report, and which jobs a change reruns."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, planned, planned_jobs, results, run_dir, snakemake, with_defaults
from PIL import Image
from test_codehash import cosmetic

from aelatent.outputs import OUTPUTS, expected
from aelatent.vectors.names import GENERATORS

pytestmark = pytest.mark.e2e
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def with_config(work: Path, name: str, **sections) -> str:
    cfg = yaml.safe_load((work / "config" / "tiny.yaml").read_text())
    for section, values in sections.items():
        cfg.setdefault(section, {}).update(values)
    (work / "config" / name).write_text(yaml.safe_dump(cfg, sort_keys=False))
    return f"config/{name}"


def tiny_files(work: Path) -> list[Path]:
    """Every file the registry of outputs promises for the tiny run."""
    cfg = with_defaults(yaml.safe_load((work / "config" / "tiny.yaml").read_text()))
    return [run_dir(work) / p for p in expected(cfg, cfg["models"])]


def test_every_output_of_the_registry_exists_and_decodes(work):
    files = tiny_files(work)
    assert len(files) > 60
    for f in files:
        assert f.exists(), f
        if f.suffix == ".png":
            with Image.open(f) as im:
                im.load()
                assert im.width > 300 and im.height > 150, f
        elif f.suffix == ".tsv":
            assert len(f.read_text().splitlines()) >= 2, f
    r = results(work)
    cov = (r / "stats" / "coverage.tsv").read_text().splitlines()
    assert [line.split("\t")[0] for line in cov[1:]] == list(GENERATORS)
    assert len((r / "stats" / "components.tsv").read_text().splitlines()) == 16 + 1
    assert {f.name for f in (r / "latents" / "shards").iterdir()} == {"0.json", "1.json", "2.json"}
    assert (r / "logs" / "train_model.log").stat().st_size > 0


def test_report_shows_every_figure_and_each_table_once_as_its_page(work):
    report = run_dir(work) / "report.html"
    snakemake(work, "--report", str(report))
    html = report.read_text()
    pngs = [f for f in tiny_files(work) if f.suffix == ".png"]
    assert len(pngs) > 20
    for png in pngs:
        assert png.name in html, png.name
    tables = [name for name, o in OUTPUTS.items() if o.kind == "table" and o.per_model]
    for t in tables:
        assert f"{t}.html" in html, t
    # the TSVs travel inside their pages, not as entries of their own
    assert '"coverage.tsv"' not in html and '"pairs.tsv"' not in html


def test_no_change_plans_nothing(work):
    assert planned(work) == {}


def figure_jobs_only(jobs) -> set[str]:
    """The planned rules whose outputs are not all figures (or the explorer page, drawn with the
    figures' settings), ``all`` aside: should be none."""
    return {
        rule
        for rule, _, outputs in jobs
        if rule != "all" and not all(o.endswith((*FIGURE_SUFFIXES, "explorer.html")) for o in outputs)
    }


def test_every_figure_setting_reruns_figure_jobs_only(work):
    """Every key of the figures section changed at once: if one reran a table job, so would this."""
    changed = {
        "b_values": [4.0, 2.0],
        "num_stat": 12,
        "special_index": 7,
        "n_pairs": 9,
        "uncorrelated_points": 500,
        "border_points": 200,
        "dpi": 80,
        "formats": ["png", "pdf"],
    }
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert set(changed) == set(schema["properties"]["figures"]["properties"])
    jobs = planned_jobs(work, with_config(work, "figures.yaml", figures=changed))
    assert figure_jobs_only(jobs) == set()
    rules = {rule for rule, _, _ in jobs}
    assert {"plot_pair_grid", "plot_coverage", "plot_origin", "plot_radii", "plot_sample_grid"} <= rules


def test_a_new_b_value_plans_only_its_two_grids(work):
    assert planned(work, with_config(work, "b.yaml", figures={"b_values": [4.0, 2.0]})) == {
        "plot_pair_grid": 1,
        "plot_uncorrelated_pairs": 1,
        "build_explorer": 1,  # its b slider
        "all": 1,
    }


def test_the_radius_sweep_reruns_its_table_figure_the_uniform_generator_and_the_summary(work):
    # the uniform generator is drawn at the sweep's best-length b (vectors.uniform_b: null)
    jobs = planned(work, with_config(work, "sweep.yaml", vectors={"b_sweep": [1.0, 1.5, 2.0]}))
    assert jobs == {
        "match_radii": 1,
        "plot_radii": 1,
        "generate_vectors": 1,
        "decode_vectors": 1,
        "coverage": 1,
        "plot_coverage": 1,
        "build_explorer": 1,
        "summarize": 1,
        "render_tables": 1,
        "all": 1,
    }


def test_pair_threshold_reruns_statistics_and_their_figures_only(work):
    jobs = planned(work, with_config(work, "t.yaml", stats={"pair_threshold": 0.3}))
    assert set(jobs) == {
        "correlations",
        "special_points",
        "plot_pair_grid",
        "plot_uncorrelated_pairs",
        "plot_border_density",
        "plot_distributions",
        "correlation_structure",
        "plot_structure",
        "summarize",
        "render_tables",
        "all",
    }


def test_model_parameter_reruns_training_and_everything_downstream(work):
    jobs = planned(work, with_config(work, "m.yaml", model={"latent_dim": 12}))
    assert "prepare_images" not in jobs and "plot_sample_grid" not in jobs
    assert jobs["train_model"] == 1 and jobs["encode_shard"] == 3 and jobs["coverage"] == 1


def test_deleted_shard_marker_reruns_that_shard_and_downstream_only(work):
    marker = results(work) / "latents" / "shards" / "1.json"
    saved = marker.read_text()
    marker.unlink()
    try:
        jobs = planned(work)
    finally:
        marker.write_text(saved)
    assert jobs["encode_shard"] == 1 and jobs["moments_shard"] == 1
    assert not {"prepare_images", "train_model", "create_latent_store", "plot_training"} & set(jobs)


def plan_after_edit(work: Path, module: str, edit, config: str = "config/tiny.yaml") -> dict[str, int]:
    """The dry-run plan with ``module`` (relative to the package) changed by ``edit``."""
    src = work / "src" / "aelatent" / module
    original = src.read_text()
    src.write_text(edit(original))
    try:
        return planned(work, config)
    finally:
        src.write_text(original)


def add_function(text: str) -> str:
    return text + "\n\ndef _probe():\n    return 1\n"


LIBRARY = sorted(
    p.relative_to(ROOT / "src" / "aelatent").as_posix() for p in (ROOT / "src" / "aelatent").rglob("*.py")
)


def test_comment_docstring_and_layout_edits_of_every_module_rerun_nothing(work):
    """All modules edited at once in one dry run (each module's hash is tested on its own in
    tests/test_codehash.py): if one module's edit reran a job, so would this."""
    originals = {p: p.read_text() for p in (work / "src" / "aelatent").rglob("*.py")}
    assert len(originals) == len(LIBRARY)
    try:
        for p, text in originals.items():
            p.write_text(cosmetic(text))
        assert planned(work) == {}
    finally:
        for p, text in originals.items():
            p.write_text(text)


def test_edited_library_function_reruns_the_rules_using_it(work):
    jobs = plan_after_edit(work, "vectors/origin.py", add_function)
    assert jobs == {"origin_border": 1, "plot_origin": 1, "summarize": 1, "render_tables": 1, "all": 1}


def test_moments_code_edit_reruns_statistics_and_their_figures_never_data_train_or_encode(work):
    jobs = plan_after_edit(work, "stats/moments.py", add_function)
    assert jobs == {
        "moments_shard": 3,
        "merge_moments": 1,
        "component_stats": 1,
        "correlations": 1,
        "special_points": 1,
        "factor_correlations": 1,
        "generate_vectors": len(GENERATORS),
        "coverage": 1,
        "plot_coverage": 1,
        "origin_border": 1,
        "plot_origin": 1,
        "decode_vectors": len(GENERATORS),
        "plot_distributions": 1,
        "plot_pair_grid": 2,
        "plot_uncorrelated_pairs": 2,
        "plot_border_density": 1,
        "plot_factor_correlations": 1,
        "correlation_structure": 1,
        "plot_structure": 1,
        "plot_special_image": 1,  # reads z.zarr through the pair grids' module
        "build_explorer": 1,
        "summarize": 1,
        "render_tables": 1,
        "all": 1,
    }


def test_training_code_edit_reruns_training_and_downstream_not_data(work):
    jobs = plan_after_edit(work, "nn/train.py", add_function)
    assert jobs["train_model"] == 1 and jobs["encode_shard"] == 3 and jobs["plot_training"] == 1
    assert jobs["coverage"] == 1 and jobs["decode_vectors"] == len(GENERATORS)
    assert "prepare_images" not in jobs and "plot_sample_grid" not in jobs


def test_plotting_code_edit_reruns_only_the_figures_drawn_with_it(work):
    jobs = plan_after_edit(work, "plots/pairs.py", add_function)
    assert jobs == {
        "plot_pair_grid": 2,
        "plot_uncorrelated_pairs": 2,
        "plot_border_density": 1,
        "plot_special_image": 1,
        "all": 1,
    }


def test_threads_are_scheduling_not_science(work):
    threads = with_config(work, "threads.yaml", train={"threads": 2}, dataset={"threads": 1})
    assert planned(work, threads) == {}
    rules = ["prepare_images", "train_model", "encode_shard", "moments_shard", "component_stats"]
    res = snakemake(work, "-n", "--set-threads", *(f"{r}=2" for r in rules))
    assert "Nothing to be done" in res.stdout + res.stderr


def test_decode_grid_reruns_only_the_decoded_faces(work):
    jobs = planned(work, with_config(work, "grid.yaml", vectors={"decode_grid": 4}))
    assert jobs == {"decode_vectors": len(GENERATORS), "all": 1}


def test_a_plain_snakemake_uses_the_workstation_profile(work):
    res = snakemake(work, "-n")
    assert "Using workflow specific profile profiles/default" in res.stdout + res.stderr


def test_sigkilled_job_is_rerun_cleanly(work):
    r = results(work)
    log = r / "logs" / "plot_distributions.log"
    log.unlink()
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--configfile",
        "config/tiny.yaml",
        "-c1",
        "--forcerun",
        "plot_distributions",
    ]
    proc = subprocess.Popen(
        cmd, cwd=work, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 60
    while not log.exists() and time.time() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert log.exists(), "the job never started"
    jobs = planned(work)
    assert jobs.get("plot_distributions") == 1, jobs
    snakemake(work, "--unlock")  # a SIGKILL leaves Snakemake's lock behind
    snakemake(work)  # the default profile sets rerun-incomplete
    for name in ("component_histograms", "correlation_heatmap", "threshold_counts"):
        with Image.open(r / "figures" / f"{name}.png") as im:
            im.load()
    assert planned(work) == {}


def test_lint_and_format_are_clean():
    lint = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint", "--configfile", "config/tiny.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert "Congratulations" in lint.stdout + lint.stderr, lint.stdout + lint.stderr
    bindir = Path(sys.executable).parent
    fmt = subprocess.run(
        [bindir / "snakefmt", "--check", "Snakefile", "workflow/rules"], cwd=ROOT, capture_output=True
    )
    assert fmt.returncode == 0, fmt.stderr
    ruff = subprocess.run([bindir / "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout
    ruff_fmt = subprocess.run(
        [bindir / "ruff", "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert ruff_fmt.returncode == 0, ruff_fmt.stdout
