"""The report a researcher reads: the summary page with the reference beside the run, every table
as HTML rows, and the report opened in a real browser."""

import ast
import base64
import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
import yaml
from conftest import planned, results, run_dir, snakemake, with_defaults

from aelatent import codehash
from aelatent.io.tables import read_tsv, write_tsv
from aelatent.report.html import fmt
from aelatent.report.summary import findings, summary_html, threshold_rows
from aelatent.report.tables import table_page

REFERENCE = with_defaults({})["reference"]


def embedded(report_html: str, name: str) -> str:
    """The decoded text of the file ``name`` the report embeds as a data URI."""
    m = re.search(
        rf"data:text/html;charset=[^;]+;filename={re.escape(name)};base64,([A-Za-z0-9+/=]+)", report_html
    )
    assert m, f"{name} is not embedded in the report"
    return base64.b64decode(m[1]).decode()


def a_run(**over) -> dict:
    """A run as load_run returns it, small enough to reason about by hand."""
    run = {
        "n": 1000,
        "dim": 16,
        "m": 300,
        "pair_threshold": 0.5,
        "structure": {"near_gaussian_share": 0.9, "cov_participation_ratio": 1.2, "cov_components_90pct": 2},
        "counts": [
            {"threshold": 0.1, "n_all": 60, "n_sample": 62, "subset_low": 55.0, "subset_high": 66.0},
            {"threshold": 0.5, "n_all": 12, "n_sample": 13, "subset_low": 10.0, "subset_high": 15.0},
        ],
        "pairs": [(0, 1), (0, 2), (3, 9)],
        "dominant": [0, 1, 2],
        "dominant_rows": [{"index": 0, "mu": 0.1, "mode": 0.125, "hw": 1.0}],
        "special": [],
        "coverage": [
            {"generator": "uniform", "inside_fraction": 0.0},
            {"generator": "normal", "inside_fraction": 0.1},
            {"generator": "mvn", "inside_fraction": 0.95},
        ],
        "radii": [
            {"b": 1.0, "ks": 0.5, "best": 0},
            {"b": 1.5, "ks": 0.2, "best": 1},
            {"b": 2.0, "ks": 0.4, "best": 0},
        ],
        "origin": {
            "origin_mahalanobis": 5.0,
            "real_mahalanobis_p99": 4.5,
            "origin_percentile": 99.5,
            "components_0_near_edge": 0.3,
        },
        "valid_mse": 0.002,
        "epochs": 3,
    }
    run.update(over)
    return run


def finding(run, claim_start: str) -> dict:
    """The finding whose claim starts with ``claim_start``."""
    return next(f for f in findings(run, REFERENCE) if f["claim"].startswith(claim_start))


def test_threshold_rows_put_the_article_beside_the_run_as_shares_of_all_pairs():
    rows = {r["threshold"]: r for r in threshold_rows(a_run()["counts"], REFERENCE, 16)}
    assert rows[0.1]["reference"] == 1456 and rows[0.1]["reference_share"] == pytest.approx(1456 / 32640)
    assert rows[0.1]["run_all"] == 60 and rows[0.1]["run_all_share"] == pytest.approx(60 / 120)
    assert rows[0.1]["run_sample_range"] == "55-66"
    assert rows[0.6]["reference"] == 8 and rows[0.6]["run_all"] is None  # only the reference has 0.6


def test_findings_are_computed_from_the_data_with_their_rule():
    run = a_run()
    coverage = finding(run, "Statistical vectors")
    assert (
        "uniform 0%" in coverage["run"] and "normal 10%" in coverage["run"] and "mvn 95%" in coverage["run"]
    )
    assert coverage["verdict"] == "agrees"
    radii = finding(run, "Uniform vectors")
    assert radii["verdict"] == "agrees" and "best b = 1.5" in radii["run"]
    assert finding(run, "The cloud's centre")["verdict"] == "agrees"  # 99.5th percentile, 1.1 x p99
    share = finding(run, "A few component pairs")  # 12 of 120 pairs against 16 of 32,640
    assert "12 of 120 pairs (10%)" in share["run"] and share["verdict"] == "differs"
    assert all(f["rule"] for f in findings(run, REFERENCE))


def test_a_contradicting_run_gets_differs_and_an_open_sweep_unclear():
    run = a_run(
        coverage=[{"generator": "uniform", "inside_fraction": 0.8}],
        radii=[{"b": 2.0, "ks": 0.5, "best": 0}, {"b": 4.0, "ks": 0.2, "best": 1}],
        origin={
            "origin_mahalanobis": 1.0,
            "real_mahalanobis_p99": 4.5,
            "origin_percentile": 10.0,
            "components_0_near_edge": 0.0,
        },
        structure={"near_gaussian_share": 0.3, "cov_participation_ratio": 9.0, "cov_components_90pct": 12},
    )
    assert finding(run, "Statistical vectors")["verdict"] == "differs"
    radii = finding(run, "Uniform vectors")
    assert radii["verdict"] == "unclear" and "end of the sweep" in radii["run"]
    origin = finding(run, "The cloud's centre")
    assert origin["verdict"] == "differs" and "inside the bulk" in origin["run"]
    assert finding(run, "The components'")["verdict"] == "differs"
    assert finding(run, "The cloud is an ellipsoid")["verdict"] == "differs"


def test_dominant_pair_overlap_uses_as_many_strongest_pairs_as_the_reference_lists():
    pairs = [(0, 1)] * 16 + [(5, 6)] * 100  # the 16 strongest are dominant, the many weaker not
    found = findings(a_run(pairs=pairs), REFERENCE)
    f = next(f for f in found if "dominant components:" in f["claim"])
    assert f["run"].startswith("of the 16 strongest pairs, 16 join two")
    assert f["verdict"] == "agrees" and "15 of 16" in f["claim"]


def test_summary_page_shows_reference_and_run(tmp_path):
    html = summary_html(a_run(), REFERENCE, "demo", "synthetic")
    assert '<td class="num">1456</td>' in html and '<td class="num">60</td>' in html
    assert "Findings: the article's claims against this run" in unescape(html)
    assert '<td class="agree">agrees</td>' in html


def test_table_page_renders_rows_truncates_and_links_the_tsv(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    write_tsv([{"i": k, "j": k + 1, "corr": 0.5 + k / 1000} for k in range(40)], str(tsv))
    page = table_page(str(tsv), "pairs.tsv", max_rows=25)
    assert page.count("<tr><td") == 25
    assert "Showing the first 25 of 40 rows" in page
    link = re.search(r'href="data:text/tab-separated-values;base64,([^"]+)"', page)
    assert base64.b64decode(link[1]).decode() == tsv.read_text()
    assert "Pearson correlation over all N vectors" in page


def test_one_row_table_is_shown_transposed_with_meanings(tmp_path):
    tsv = tmp_path / "origin.tsv"
    write_tsv(
        [
            {
                "origin_mahalanobis": 3.5,
                "origin_percentile": 97.0,
                "edge_fraction": 0.1,
                "condition": 50.0,
                "x": 1,
            }
        ],
        str(tsv),
    )
    page = table_page(str(tsv), "origin.tsv")
    assert "<td>origin_percentile</td>" in page and "condition number of the regularised covariance" in page


@pytest.fixture(scope="module")
def report(work):
    path = run_dir(work) / "report.html"
    snakemake(work, "--report", str(path))
    return path


@pytest.mark.e2e
def test_report_summary_has_the_articles_counts_and_the_runs(work, report):
    page = embedded(report.read_text(), "summary.html")
    assert "Summary: tiny, model ae beside the article (CelebA)" in page
    for count in (1456, 158, 44, 25, 16, 8):
        assert f'<td class="num">{count}</td>' in page
    for row in read_tsv(str(results(work) / "stats" / "threshold_counts.tsv")):
        assert f'<td class="num">{row["n_all"]}</td><td>' in page
    assert "independent-component vectors: uniform" in page
    assert 'download="summary.tsv"' in page


@pytest.mark.e2e
def test_report_shows_every_table_as_html_rows(work, report):
    html = report.read_text()
    for name in ("threshold_counts", "pairs", "components", "coverage", "metrics", "structure"):
        tsv = {"metrics": "model/metrics.tsv"}.get(name, f"stats/{name}.tsv")
        page = embedded(html, f"{name}.html")
        n_rows = len(read_tsv(str(results(work) / tsv)))
        assert page.count("<tr><td") == min(n_rows, 300), name
    counts = embedded(html, "threshold_counts.html")
    assert '<tr><td class="num">0.1</td>' in counts


@pytest.mark.e2e
def test_summary_is_the_first_category_and_the_structure_figure_is_in(report):
    html = report.read_text()
    cats = json.loads(re.search(r"var categories = (\{.*?\});?\n", html)[1])
    first = sorted(cats)[0]  # the report's menu lists categories sorted by name
    assert first == "0. Summary"
    assert any(p.endswith("report/summary.html") for sub in cats[first].values() for p in sub)
    assert "structure.png" in html and "uncorrelated_pairs_b1.5.png" in html


def chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)


@pytest.mark.e2e
def test_browser_renders_the_report_and_its_summary_page(report):
    exe = chromium()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    flags = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom"]
    top = subprocess.run([*flags, report.as_uri()], capture_output=True, text=True, timeout=120)
    assert "0. Summary" in top.stdout and "Start with" in top.stdout, top.stderr[-2000:]
    # the page exactly as the report embeds it, opened as the report's frame opens it: a data URI
    uri = re.search(
        r"data:text/html;charset=[^;]+;filename=summary\.html;base64,[A-Za-z0-9+/=]+", report.read_text()
    )
    page = subprocess.run([*flags, uri[0]], capture_output=True, text=True, timeout=120)
    assert "Findings: the article's claims against this run" in page.stdout, page.stderr[-2000:]
    assert "1456" in page.stdout


def test_report_pages_import_neither_torch_nor_plotting_nor_snakemake():
    """The summary and tables rerun only when the numbers or the page code change."""
    lib = Path(codehash.__file__).parent
    for module in (lib / "report").glob("*.py"):
        names = set()
        for path in codehash.closure([module]):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names.add(node.module.split(".")[0])
        assert not names & {"torch", "torchvision", "matplotlib", "snakemake", "scipy", "sklearn"}, module


@pytest.mark.e2e
def test_figures_formats_adds_a_pdf_to_every_figure_job_and_nothing_else(work):
    cfg = yaml.safe_load((work / "config" / "tiny.yaml").read_text())
    cfg.setdefault("figures", {})["formats"] = ["png", "pdf"]
    (work / "config" / "pdf.yaml").write_text(yaml.safe_dump(cfg))
    jobs = planned(work, "config/pdf.yaml")
    assert {"plot_pair_grid", "plot_structure", "plot_coverage", "decode_vectors", "plot_training"} <= set(
        jobs
    )
    assert not {"coverage", "summarize", "train_model", "correlations", "correlation_structure"} & set(jobs)
    snakemake(work, "results/tiny/ae/figures/structure.pdf", config="config/pdf.yaml")
    assert (results(work) / "figures" / "structure.pdf").read_bytes().startswith(b"%PDF")


def test_cells_read_as_numbers_a_reader_expects():
    assert [fmt(v) for v in (23650.5, 0.0123456, 12.0, float("nan"), None, "")] == [
        "23650",
        "0.01235",
        "12",
        "-",
        "-",
        "",
    ]
