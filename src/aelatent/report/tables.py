"""Every TSV table as an HTML page the report can show: a readable table, what each column means,
and the TSV itself to download."""

from __future__ import annotations

from pathlib import Path

from ..io.atomic import write_text_atomic
from ..io.tables import read_tsv
from ..kinds import KINDS
from .html import download_link, esc, page, table

MAX_ROWS = 300  # more rows than anyone reads in a frame; the TSV link has them all

COLUMNS = {
    "index": "component number (arbitrary: another model numbers its components differently)",
    "mean": "exact mean over all N vectors",
    "std": "exact standard deviation over all N vectors",
    "peak": "where the component's smoothed histogram peaks: what the article calls mu",
    "hw": "full width at half maximum on the article's 0.125 grid, in whole bins: the article's hw",
    "hw_fine": "full width at half maximum free of the binning (kernel density, its broadening removed)",
    "min": "smallest value over all N vectors",
    "max": "largest value over all N vectors",
    "dominant": "1 = among the n_dominant components with the largest |mean| + hw_fine",
    "threshold": "correlation threshold t",
    "n_all": "count over all N vectors (exact)",
    "n_sample": "count over the seeded M-sample (the article's method)",
    "subset_low": "2.5th percentile of the count over fresh M-subsets of all N",
    "subset_median": "median count over fresh M-subsets of all N",
    "subset_high": "97.5th percentile of the count over fresh M-subsets of all N",
    "i": "first component of the pair",
    "j": "second component of the pair",
    "corr": "Pearson correlation over all N vectors",
    "subset_fraction": "share of fresh M-subsets in which the pair is above the pair threshold",
    "step": "filter step of the special-points slice",
    "b": "uniform vectors drawn from [-b, b] in every component",
    "radius_median": "median vector length",
    "ks": "Kolmogorov-Smirnov distance of the lengths to the real lengths (0 = same)",
    "best": "1 = smallest KS distance of the sweep",
    "refined": "1 = added around the sweep's best value (steps of 0.05), 0 = from vectors.b_sweep",
    "generator": "statistical vector generator",
    "n": "vectors",
    "inside_fraction": "share within the real vectors' 99th-percentile Mahalanobis distance",
    "nn_distance": "mean distance to the nearest real vector",
    "nn_baseline": "the same for held-out real vectors",
    "nn_ratio": "nn_distance / nn_baseline (1 = as close as real vectors)",
    "real_radius_median": "median length of the real vectors",
    "radius_ks": "KS distance of the lengths to the real lengths (0 = same)",
    "n_reference": "held-out real vectors measured against",
    "epoch": "training epoch",
    "train_mse": "mean squared pixel error on the training images",
    "valid_mse": "mean squared pixel error on the validation images",
    "train_loss": "the model's training objective per image ("
    + "; ".join(f"{k.name}: {k.loss}" for k in KINDS.values() if k.loss)
    + "); only kinds whose objective is not train_mse",
    "images_per_s": "training speed",
    "skew": "skewness over all N vectors (0 for a Gaussian)",
    "excess_kurtosis": "kurtosis minus 3 over all N vectors (0 for a Gaussian)",
    "ks_normal": "Kolmogorov-Smirnov distance to a normal with the component's mean and std",
    "shape": "Gaussian (ks_normal below ks_limit of structure.tsv), else flat-topped or heavy-tailed "
    "by the sign of the excess kurtosis",
    "near_gaussian": "1 = shape Gaussian",
    "rank": "eigenvalue rank, largest first",
    "corr_eigenvalue": "eigenvalue of the correlation matrix (all 1 if uncorrelated)",
    "corr_cumulative": "share of the correlation matrix's trace in the leading eigenvalues",
    "cov_eigenvalue": "eigenvalue of the covariance matrix: variance along a principal axis",
    "cov_cumulative": "share of the total variance in the leading principal axes",
    "component": "latent component",
    "section": "part of the summary page",
    "quantity": "what is measured",
    "run": "this run's value",
    "reference": "the reference's value (the article's by default; empty where it has none)",
    "value": "this run's value",
    "meaning": "what the quantity means",
    "origin_mahalanobis": "Mahalanobis distance of the origin from the cloud's centre",
    "real_mahalanobis_median": "median distance of held-out real vectors",
    "real_mahalanobis_p99": "99th percentile of the held-out real vectors' distances",
    "origin_percentile": "percentage of real vectors nearer the centre than the origin",
    "components_containing_0": "share of components whose central 99% range contains 0",
    "components_0_near_edge": "share of components where 0 lies within edge_fraction of an end of that range",
    "components_0_outside": "share of components whose central 99% range excludes 0",
    "principal_axes": "the fewest leading principal axes holding 90% of the variance",
    "principal_share": "the share of the variance they hold",
    "origin_principal": "the origin's Mahalanobis distance from the centre in those axes",
    "real_principal_median": "median of the held-out real vectors' distances in those axes",
    "real_principal_p99": "their 99th percentile",
    "origin_principal_percentile": "% of real vectors nearer the centre than the origin, in those axes",
    "origin_rest": "the origin's Mahalanobis distance in the other axes",
    "real_rest_median": "median of the real vectors' distances in the other axes",
    "real_rest_p99": "their 99th percentile",
    "origin_rest_percentile": "% of real vectors nearer the centre than the origin, in the other axes",
    "rest_share_of_d0_squared": "share of the origin's squared distance (all axes) from the other axes",
    "origin_along_percentile": "% of real vectors less far out on the whitened centre-to-origin line",
    "centre_norm": "distance of the cloud's centre (the exact mean) from the origin",
    "centre_rms_radius": "root mean square distance of real vectors from the centre",
    "centre_sd_along": "standard deviation of real vectors along the line from the centre to the origin",
    "centre_offset_sd": "centre_norm / centre_sd_along: the origin's offset in those standard deviations",
    "edge_fraction": "what 'near an end' means, as a share of the range",
    "condition_raw": "condition number of the exact covariance",
}
# Columns whose meaning depends on the table.
TABLE_COLUMNS = {
    "special_points": {
        "condition": "what the step keeps",
        "components": "components this step limits",
        "empty": "1 = no vector is left after this step",
    },
    "origin": {"condition": "condition number of the regularised covariance the distances use"},
    "coverage": {"condition": "condition number of the regularised covariance the distances use"},
}


def table_page(tsv_path: str, title: str, max_rows: int = MAX_ROWS) -> str:
    """The page for one TSV. A one-row table is shown transposed (one line per column), as the
    origin's many columns would not fit a frame's width otherwise."""
    rows = read_tsv(tsv_path)
    with open(tsv_path) as fh:
        columns = fh.readline().rstrip("\n").split("\t")
    meaning = {**COLUMNS, **TABLE_COLUMNS.get(Path(tsv_path).stem, {})}
    if len(rows) == 1 and len(columns) > 4:
        body = table(
            [{"column": c, "value": rows[0][c], "meaning": meaning.get(c, "")} for c in columns],
            ["column", "value", "meaning"],
        )
    else:
        # what the columns mean first: a long table would push it out of sight
        known = [c for c in columns if c in meaning]
        body = ""
        if known:
            body += '<table class="columns">' + "".join(
                f"<tr><th>{esc(c)}</th><td>{esc(meaning[c])}</td></tr>" for c in known
            )
            body += "</table>"
        body += table(rows, columns, max_rows=max_rows)
    rows_note = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
    head = f'<p class="note">{rows_note} &middot; download: {download_link(tsv_path)}</p>'
    return page(title, head + body)


def render_tables(tsv_paths: list[str], out_paths: list[str], max_rows: int = MAX_ROWS) -> None:
    """One HTML page per TSV, titled by the table's file name."""
    for src, out in zip(tsv_paths, out_paths, strict=True):
        write_text_atomic(out, table_page(src, Path(src).name, max_rows))
