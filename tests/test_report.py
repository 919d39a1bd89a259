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
from aelatent.report.findings import findings
from aelatent.report.html import fmt
from aelatent.report.load import RunSummary
from aelatent.report.summary import digest_rst, summary_html, summary_rows, threshold_rows
from aelatent.report.tables import table_page

REFERENCE = with_defaults({})["reference"]


def embedded(report_html: str, name: str) -> str:
    """The decoded text of the file ``name`` the report embeds as a data URI."""
    m = re.search(
        rf"data:text/html;charset=[^;]+;filename={re.escape(name)};base64,([A-Za-z0-9+/=]+)", report_html
    )
    assert m, f"{name} is not embedded in the report"
    return base64.b64decode(m[1]).decode()


def a_run(**over) -> RunSummary:
    """A run as load_run returns it, small enough to reason about by hand."""
    run = {
        "n": 1000,
        "dim": 16,
        "m": 300,
        "pair_threshold": 0.5,
        "structure": {
            "near_gaussian_share": 0.9,
            "near_gaussian_share_dominant": 0.9,
            "ks_limit": 0.03,
            "cov_participation_ratio": 1.2,
            "cov_components_90pct": 2,
            "component_std_median": 1.0,
        },
        "counts": [
            {"threshold": 0.1, "n_all": 60, "n_sample": 62, "subset_low": 55.0, "subset_high": 66.0},
            {"threshold": 0.5, "n_all": 12, "n_sample": 13, "subset_low": 10.0, "subset_high": 15.0},
        ],
        "pairs": [(0, 1), (0, 2), (3, 9)],
        "strongest_pairs": [(0, 1), (0, 2), (3, 9)],
        "dominant_rows": [
            {"index": i, "mean": 0.1, "peak": 0.125, "hw": 1.0, "hw_fine": 1.1} for i in (0, 1, 2)
        ],
        "special": [],
        "coverage": [
            {"generator": "uniform", "inside_fraction": 0.0, "nn_ratio": 3.0},
            {"generator": "normal", "inside_fraction": 0.1, "nn_ratio": 2.5},
            {"generator": "mvn", "inside_fraction": 0.95, "nn_ratio": 1.1},
        ],
        "radii": [
            {"b": 1.0, "ks": 0.5, "best": 0},
            {"b": 2.0, "ks": 0.2, "best": 1},
            {"b": 3.0, "ks": 0.4, "best": 0},
        ],
        "metrics": [{"valid_mse": 0.0021}, {"valid_mse": 0.002}],
    }
    run.update(over)
    return RunSummary(**run)


def test_threshold_rows_put_the_article_beside_the_run_as_shares_of_all_pairs():
    rows = {r["threshold"]: r for r in threshold_rows(a_run().counts, REFERENCE, 16)}
    assert rows[0.1]["reference"] == 1456 and rows[0.1]["reference_share"] == pytest.approx(1456 / 32640)
    assert rows[0.1]["run_all"] == 60 and rows[0.1]["run_all_share"] == pytest.approx(60 / 120)
    assert rows[0.1]["run_sample_range"] == "55-66"
    assert rows[0.6]["reference"] == 8 and rows[0.6]["run_all"] is None  # only the reference has 0.6


def test_threshold_rows_read_the_older_bootstrap_columns_too():
    counts = [{"threshold": 0.5, "n_all": 3, "n_sample": 4, "sample_low": 2.0, "sample_high": 6.0}]
    assert threshold_rows(counts, REFERENCE, 16)[4]["run_sample_range"] == "2-6"


def test_summary_rows_carry_the_verdicts_and_the_scale_free_numbers():
    rows = {(r["section"], r["quantity"]): r for r in summary_rows(a_run(), REFERENCE)}
    assert rows["findings", "lengths"]["run"] in {"agrees", "partly", "differs", "unclear"}
    assert rows["radii", "best b / typical component std"]["run"] == pytest.approx(2.0)
    assert rows["scale", "typical component std"]["reference"] == 0.7
    assert rows["model", "validation MSE drop in the last epoch"]["run"] == pytest.approx(0.0476, abs=1e-3)


def test_summary_page_shows_reference_and_run(tmp_path):
    html = summary_html(a_run(), REFERENCE, "demo", "synthetic")
    assert '<td class="num">1456</td>' in html and '<td class="num">60</td>' in html
    assert "Findings: the article's claims against this run" in unescape(html)
    assert '<td class="agree">agrees</td>' in html
    # each finding names the figure that shows it as the report lists it
    assert "coverage by generator (6. Statistical vectors)" in unescape(html)
    # the dominant table compares the article's mu with the peak, widths in units of the typical std
    assert "ref hw / std" in html and "run hw_fine / std" in html and "run peak" in html


def test_an_under_trained_model_is_flagged_at_the_top_of_the_page():
    html = summary_html(a_run(metrics=[{"valid_mse": 0.004}, {"valid_mse": 0.003}]), REFERENCE, "d", "s")
    assert '<p class="differ">' in html and "may be under-trained" in html
    assert "may be under-trained" not in summary_html(a_run(), REFERENCE, "d", "s")


def test_the_digest_is_valid_restructuredtext_with_every_finding():
    from docutils.core import publish_parts

    run = a_run()
    text = digest_rst(run, REFERENCE, "demo, model ae")
    assert "`coverage.png`_" in text and "`summary.html`_" in text
    # Snakemake appends a link target for each file of the report; here, one for each reference
    targets = sorted(set(re.findall(r"`([^`]+)`_", text)))
    text += "\n\n" + "\n".join(f".. _{name}: #{name}" for name in targets) + "\n"
    parts = publish_parts(text, writer="html", settings_overrides={"halt_level": 2, "report_level": 2})
    body = unescape(parts["body"])
    assert "system-message" not in parts["body"]
    for f in findings(run, REFERENCE):
        assert f.claim in body and f.verdict in body
    assert "|r| > 0.5" in body  # escaped, not a substitution


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
    assert "independent: uniform (b = " in page  # drawn at the best-length b
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


ARTICLE_SECTIONS = [
    "0. Findings",
    "1. Images",
    "2. Autoencoder training",
    "3. Latent vector components",
    "4. Pearson correlation coefficients",
    "5. Visualization of the correlations",
    "6. Statistical vectors",
    "7. Border position of the origin",
]


@pytest.mark.e2e
def test_report_opens_on_the_findings_and_lists_entries_by_name(work, report):
    html = report.read_text()
    cats = json.loads(re.search(r"var categories = (\{.*?\});?\n", html)[1])
    assert set(ARTICLE_SECTIONS) <= set(cats) and not any("Statistics" in c for c in cats)
    entries = json.loads(re.search(r"var results = (\{.*?\});?\n", html)[1])
    shown = {p.rsplit("/", 1)[-1]: r for p, r in entries.items()}
    # every entry opens something and is listed by its name, not its path; each table once
    assert not any(p.endswith(".tsv") for p in entries)
    assert all((r.get("labels") or {}).get("name") for n, r in shown.items() if n != "explorer.html"), shown
    assert shown["pair_grid_b4.0.png"]["labels"]["b"] == "1: b = 4.0"  # the article's first grid first
    assert shown["pair_grid_b1.5.png"]["labels"]["b"] == "2: b = 1.5"
    assert "origin_views.png" in shown and "special_image.png" in shown
    # the front page: this run's findings, the rule of each, links to their figures
    desc = unescape(json.loads(re.search(r"var workflow_desc = (\".*?\");\n", html)[1]))
    digest = (results_dir := results(work)) / "report" / "findings.rst"
    assert digest.exists() and "Findings of tiny, model ae" in desc
    summary = read_tsv(str(results_dir / "report" / "summary.tsv"))
    for row in (r for r in summary if r["section"] == "findings"):
        assert f"{row['run']}." in desc  # each verdict
    assert "Rule:" in desc and "showResultInfo" in desc and "system-message" not in desc


def chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)


@pytest.mark.e2e
def test_browser_renders_the_report_and_its_summary_page(report):
    exe = chromium()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    flags = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom"]
    top = subprocess.run([*flags, report.as_uri()], capture_output=True, text=True, timeout=120)
    assert "0. Findings" in top.stdout and "Findings of tiny" in top.stdout, top.stderr[-2000:]
    assert "origin at the border: principal axes" in top.stdout
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
