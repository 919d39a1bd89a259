"""The summary of one model's run: the findings (``findings``) with the numbers behind them beside a
reference run's (by default the article's published values), as an HTML page, a TSV of its
numbers and a reStructuredText digest that the report's front page (workflow/report/workflow.rst)
includes. Loading is ``load``; the verdicts are ``findings``; this module only lays them out.
"""

from __future__ import annotations

import math

from ..io.atomic import write_text_atomic
from ..io.tables import write_tsv
from ..outputs import OUTPUTS
from ..stats.structure import pair_overlap
from ..vectors.names import GENERATOR_KINDS
from .findings import (
    Finding,
    findings,
    last_epoch_drop,
    pair_total,
    pct,
    reference_overlap,
    strongest,
)
from .html import download_link, esc, fmt, page, table
from .load import RunSummary, load_run

VERDICT_CLASS = {"agrees": "agree", "partly": "unclear", "differs": "differ", "unclear": "unclear"}


def figure_label(name: str) -> str:
    """A figure as the report lists it: its label, in its category."""
    o = OUTPUTS[name]
    label = (o.labels.get("name") if isinstance(o.labels, dict) else None) or o.what
    return f"{label} ({o.category})"


def _interval(row: dict) -> tuple | None:
    """The spread of M-sample counts, whichever columns the counts table has."""
    for lo, hi in (("subset_low", "subset_high"), ("sample_low", "sample_high")):
        if lo in row and hi in row:
            return row[lo], row[hi]
    return None


def threshold_rows(counts: list[dict], ref: dict, dim: int) -> list[dict]:
    """One row per threshold in either table: counts and shares of all pairs, run and reference."""
    ref_counts = {float(r["threshold"]): r["count"] for r in ref["threshold_counts"]}
    n_run, n_ref = pair_total(dim), pair_total(ref["latent_dim"])
    by_t = {float(r["threshold"]): r for r in counts}
    rows = []
    for t in sorted(set(by_t) | set(ref_counts)):
        c_ref, run = ref_counts.get(t), next((r for k, r in by_t.items() if math.isclose(k, t)), {})
        iv = _interval(run)
        rows.append(
            {
                "threshold": t,
                "reference": c_ref,
                "reference_share": None if c_ref is None else c_ref / n_ref,
                "run_sample": run.get("n_sample"),
                "run_sample_share": run["n_sample"] / n_run if "n_sample" in run else None,
                "run_sample_range": "-" if iv is None else f"{fmt(iv[0])}-{fmt(iv[1])}",
                "run_all": run.get("n_all"),
                "run_all_share": run["n_all"] / n_run if "n_all" in run else None,
            }
        )
    return rows


def summary_rows(run: RunSummary, ref: dict) -> list[dict]:
    """The key numbers and the verdicts as a flat table (section, quantity, run, reference); ''
    where one is missing."""
    rows = [
        ("scale", "vectors N", run.n, ref["n_vectors"]),
        ("scale", "latent dimension D", run.dim, ref["latent_dim"]),
        ("scale", "component pairs", pair_total(run.dim), pair_total(ref["latent_dim"])),
        ("scale", "sample M", run.m, ref["sample_size"]),
        ("scale", "dominant components", len(run.dominant), len(ref["dominant"])),
        ("scale", "typical component std", run.scale, ref["component_std"]),
        ("model", "final validation MSE", run.valid_mse, None),
        ("model", "validation MSE drop in the last epoch", last_epoch_drop(run.metrics), None),
    ]
    rows += [("findings", f.key, f.verdict, None) for f in findings(run, ref)]
    for r in threshold_rows(run.counts, ref, run.dim):
        t = f"|r| > {r['threshold']:g}"
        rows += [
            ("pairs", f"{t}, M-sample", r["run_sample"], r["reference"]),
            ("pairs", f"{t}, all N", r["run_all"], None),
            ("pair shares", f"{t}, M-sample", r["run_sample_share"], r["reference_share"]),
            ("pair shares", f"{t}, all N", r["run_all_share"], None),
        ]
    ovr = reference_overlap(ref)
    for which, pairs in (("above the pair threshold", run.pairs), ("strongest", strongest(run, ref))):
        ov = pair_overlap(pairs, run.dominant, run.dim)
        for key, label in (
            ("pairs", "pairs"),
            ("both_dominant", "joining two dominant components"),
            ("any_dominant", "joining at least one dominant component"),
            ("chance_both", "chance share, two dominant"),
            ("chance_any", "chance share, at least one dominant"),
        ):
            rows.append((f"pairs {which}", label, ov[key], ovr[key]))
    ref_sp = ref["special_counts"]
    for k, r in enumerate(run.special):
        rows.append(
            (
                "special points",
                f"after step {r['step']}, M-sample",
                r.get("n_sample"),
                ref_sp[k + 1] if k + 1 < len(ref_sp) else None,
            )
        )
    rows += [("structure", q, v, ref["structure"].get(q)) for q, v in run.structure.items()]
    for c in run.coverage:
        rows += [
            ("coverage", f"{c['generator']} inside fraction", c["inside_fraction"], None),
            ("coverage", f"{c['generator']} nearest-neighbour ratio", c.get("nn_ratio"), None),
        ]
    best = run.best_radius_row
    if best:
        rows.append(("radii", "best b", best["b"], ref["best_b"]))
        if run.scale:
            rows.append(("radii", "best b / typical component std", best["b"] / run.scale, None))
    rows += [("origin", k, v, None) for k, v in (run.origin or {}).items()]
    return [
        {"section": a, "quantity": b, "run": "" if c is None else c, "reference": "" if d is None else d}
        for a, b, c, d in rows
    ]


def _section(title: str, body: str, note: str = "", anchor: str = "") -> str:
    head = f'<h2 id="{anchor}">' if anchor else "<h2>"
    return head + f"{esc(title)}</h2>" + (f'<p class="note">{esc(note)}</p>' if note else "") + body


def findings_html(found: list[Finding]) -> str:
    cols = ["claim (the reference)", "this run", "verdict", "rule", "shown in"]
    rows = [
        dict(zip(cols, (f.claim, f.run, f.verdict, f.rule, figure_label(f.figure)), strict=True))
        for f in found
    ]
    html = table(rows, cols)
    for word, cls in VERDICT_CLASS.items():
        html = html.replace(f"<td>{word}</td>", f'<td class="{cls}">{word}</td>')
    return _section(
        "Findings: the article's claims against this run",
        html,
        "Each verdict applies the rule beside it to this run's tables; the figure named in the last "
        "column shows it (the report's menu lists figures by these names).",
        "findings",
    )


def thresholds_html(run: RunSummary, ref: dict) -> str:
    cols = {
        "threshold": "|r| >",
        "reference": "reference",
        "reference_share": "reference share",
        "run_sample": "run, M-sample",
        "run_sample_share": "M-sample share",
        "run_sample_range": "M-subsets, 95%",
        "run_all": "run, all N",
        "run_all_share": "all-N share",
    }
    rows = threshold_rows(run.counts, ref, run.dim)
    for r in rows:
        for k in ("reference_share", "run_sample_share", "run_all_share"):
            r[k] = pct(r[k], 3)
    return _section(
        "Correlated pairs per threshold",
        table([{cols[k]: v for k, v in r.items()} for r in rows], list(cols.values())),
        f"Shares are of all D(D-1)/2 pairs ({pair_total(ref['latent_dim']):,} in the reference, "
        f"{pair_total(run.dim):,} here), so they compare runs of different latent dimension.",
    )


def dominant_html(run: RunSummary, ref: dict) -> str:
    cols = ["", "pairs", "two dominant", "chance, two", "at least one dominant", "chance, at least one"]
    top = strongest(run, ref)
    overlap_rows = []
    for name, pairs, dominant, dim in (
        (
            "reference",
            [(p["i"], p["j"]) for p in ref["pairs"]],
            [d["index"] for d in ref["dominant"]],
            ref["latent_dim"],
        ),
        (f"this run, all above {run.pair_threshold:g}", run.pairs, run.dominant, run.dim),
        (f"this run, strongest {len(top)}", top, run.dominant, run.dim),
    ):
        o = pair_overlap(pairs, dominant, dim)
        values = (
            name,
            o["pairs"],
            o["both_dominant"],
            pct(o["chance_both"]),
            o["any_dominant"],
            pct(o["chance_any"]),
        )
        overlap_rows.append(dict(zip(cols, values, strict=True)))
    html = _section(
        "Strongest pairs and dominant components",
        table(overlap_rows, cols),
        f"Pairs with |r| above the pair threshold ({ref['pair_threshold']:g} in the reference, "
        f"{run.pair_threshold:g} here). Chance: the share random pairs of distinct components give.",
    )
    cs, s = float(ref["component_std"]), run.scale or float("nan")
    ref_dom = sorted(ref["dominant"], key=lambda d: -d["hw"])
    run_dom = sorted(run.dominant_rows, key=lambda d: -d.get("hw_fine", 0.0))
    cols = [
        "rank",
        "ref index",
        "ref mu (peak)",
        "ref hw",
        "ref hw / std",
        "run index",
        "run peak",
        "run mean",
        "run hw",
        "run hw_fine",
        "run hw_fine / std",
    ]
    rows = []
    for k in range(max(len(ref_dom), len(run_dom))):
        a = ref_dom[k] if k < len(ref_dom) else {}
        b = run_dom[k] if k < len(run_dom) else {}
        values = (
            k + 1,
            a.get("index"),
            a.get("mu"),
            a.get("hw"),
            a["hw"] / cs if "hw" in a else None,
            b.get("index"),
            b.get("peak"),
            b.get("mean"),
            b.get("hw"),
            b.get("hw_fine"),
            b["hw_fine"] / s if "hw_fine" in b else None,
        )
        rows.append(dict(zip(cols, values, strict=True)))
    return html + _section(
        "Dominant components, widest first",
        table(rows, cols),
        "Rows are matched by rank of the width, not by index: component numbers are arbitrary. The "
        "article's mu is read off its histograms: the peak, compared with this run's peak (its exact "
        "mean beside it). hw: full width at half maximum on the article's 0.125 grid (whole bins); "
        "hw_fine: the same width free of the binning. '/ std': in units of the typical (median) "
        f"component std ({fmt(s, 3)} here, {cs:g} in the reference), so runs of any latent scale compare.",
    )


def special_html(run: RunSummary, ref: dict) -> str:
    cols = ["step", "condition", "reference", "run, M-sample", "run, all N"]
    ref_sp = ref["special_counts"]
    rows = [dict(zip(cols, ("start", "", ref_sp[0], run.m, run.n), strict=True))]
    for k, r in enumerate(run.special):
        ref_k = ref_sp[k + 1] if k + 1 < len(ref_sp) else None
        values = (r["step"], r.get("condition", ""), ref_k, r.get("n_sample"), r.get("n_all"))
        rows.append(dict(zip(cols, values, strict=True)))
    a, b = ref["special_pair"]
    return _section(
        "Special-points slice",
        table(rows, cols),
        f"The reference keeps vectors whose components are all below {ref['special_threshold']:g} in "
        f"absolute value except {a} and {b}; this run's steps are named in the condition column.",
    )


STRUCTURE_KEYS = [
    ("corr_participation_ratio", "participation ratio of the correlation matrix (D if uncorrelated)"),
    ("corr_effective_rank", "effective rank of the correlation matrix (D if uncorrelated)"),
    ("corr_eigenvalues_above_edge", "correlation eigenvalues above the Marchenko-Pastur noise edge"),
    (
        "cov_participation_ratio",
        "participation ratio of the covariance: directions the variance spreads over",
    ),
    ("cov_components_90pct", "principal axes holding 90% of the variance"),
    ("abs_r_q50", "median |r| over all pairs"),
    ("abs_r_q99", "99th percentile of |r|"),
    ("abs_r_noise", "mean |r| independent components would show over N vectors"),
    ("component_std_median", "typical (median) component std: the latent scale"),
    ("near_gaussian_share", "share of components Gaussian by the KS rule"),
    ("flat_topped_share", "share of components flat-topped (not Gaussian, negative excess kurtosis)"),
    ("heavy_tailed_share", "share of components heavy-tailed (not Gaussian, positive excess kurtosis)"),
]


def structure_html(run: RunSummary, ref: dict) -> str:
    st = run.structure
    rows = [
        {"quantity": d, "run": st.get(k), "reference": ref["structure"].get(k)}
        for k, d in STRUCTURE_KEYS
        if k in st
    ]
    return _section(
        "Correlation structure without component numbers",
        table(rows, ["quantity", "run", "reference"]),
        "These do not depend on how components are numbered, so they compare runs and models. The "
        "article reports none of them: put another run's structure.tsv values under reference.structure.",
    )


def vectors_html(run: RunSummary) -> str:
    cols = [
        "generator",
        "components",
        "inside the real cloud",
        "NN distance / real",
        "length KS distance",
        "what it draws",
    ]
    rows = [
        dict(
            zip(
                cols,
                (
                    c["generator"],
                    GENERATOR_KINDS[c["generator"]][0],
                    pct(c["inside_fraction"], 3),
                    c.get("nn_ratio"),
                    c.get("radius_ks"),
                    GENERATOR_KINDS[c["generator"]][1],
                ),
                strict=True,
            )
        )
        for c in run.coverage
    ]
    return _section(
        "Statistical vectors",
        table(rows, cols),
        "Inside: Mahalanobis distance from the cloud's centre at most the held-out real vectors' 99th "
        "percentile (real vectors: 99%). NN distance / real: the mean distance to the nearest held-out "
        "real vector over the real-to-real one (1 = as close to real vectors as real vectors are).",
    )


def training_note(run: RunSummary, found: list[Finding]) -> str:
    if run.valid_mse is None:
        return ""
    text = f"Autoencoder: validation MSE {fmt(run.valid_mse, 3)} after {run.epochs} epochs"
    text += " (pixels in [0, 1])."
    t = next((f for f in found if f.key == "training"), None)
    if t is not None and t.verdict == "differs":
        return f'<p class="differ">Autoencoder: {esc(t.run)}</p>'
    return f'<p class="note">{esc(text)}</p>'


def summary_html(run: RunSummary, ref: dict, run_name: str, source: str, table_link: str = "") -> str:
    """The page; ``table_link`` (HTML) offers its numbers as a TSV."""
    found = findings(run, ref)
    made = (
        f"{run.n:,} of your own {run.dim}-dimensional latent vectors (dataset.source latents: no "
        "model trained, so no reconstructions, decoded faces or highlighted image)"
        if source == "latents"
        else f"{run.n:,} {esc(source)} images encoded into {run.dim}-dimensional latent vectors"
    )
    intro = (
        f"<p>Run <b>{esc(run_name)}</b>: {made}; pairs counted over all N vectors and, as in the "
        f"article, over an M-sample of {run.m:,}. Reference: <b>{esc(ref['name'])}</b> "
        f"({ref['n_vectors']:,} vectors, D = {ref['latent_dim']}, M = {ref['sample_size']:,}).</p>"
    )
    intro += training_note(run, found)
    if table_link:
        intro += f'<p class="note">All numbers on this page as one table: {table_link}</p>'
    body = intro + findings_html(found) + thresholds_html(run, ref) + dominant_html(run, ref)
    body += special_html(run, ref) + structure_html(run, ref) + vectors_html(run)
    return page(f"Summary: {run_name} beside {ref['name']}", body)


# --- the digest on the report's front page --------------------------------------------------------

_RST_SPECIAL = str.maketrans({c: "\\" + c for c in "\\*`|_[]<>"})


def rst_text(text: str) -> str:
    """``text`` as literal reStructuredText (no markup, no substitutions, no references)."""
    return " ".join(str(text).split()).translate(_RST_SPECIAL)


# The report shows its front page in a narrow column, centred vertically, so a page taller than the
# window loses its top: the digest widens the column and aligns it to the top (browsers with :has).
WIDEN = (
    "<style>div.prose:has(.aelatent-findings) { max-width: 60rem; } "
    "div.h-screen:has(.aelatent-findings) { align-items: flex-start; }</style>"
)


def digest_rst(run: RunSummary, ref: dict, run_name: str) -> str:
    """The findings as reStructuredText for the report's front page: a sentence on the run, a table
    of the verdicts (finding, verdict, the figure that shows it), then each finding's claim, this
    run's numbers and the rule. Each figure is a link into the report, so the front page includes
    it only where file names are unique, with one model (``workflow/report/workflow.rst``)."""
    found = findings(run, ref)
    page_link = "`summary.html`_"

    def shown(f: Finding) -> str:
        return f"`{OUTPUTS[f.figure].path.rsplit('/', 1)[-1]}.png`_"

    lines = [
        ".. raw:: html",
        "",
        f"   {WIDEN}",
        "",
        ".. container:: aelatent-findings",
        "",
        f"   **Findings of {rst_text(run_name)}**: {run.n:,} vectors of dimension {run.dim} against "
        f"{rst_text(ref['name'])}. Each verdict applies the rule stated below it to this run's tables; "
        f"{page_link} (category {rst_text(OUTPUTS['summary'].category)}) has every number behind them.",
        "",
        "   .. list-table::",
        "      :header-rows: 1",
        "",
        "      * - finding",
        "        - verdict",
        "        - shown in",
    ]
    for f in found:
        lines += [f"      * - {rst_text(f.title)}", f"        - **{f.verdict}**", f"        - {shown(f)}"]
    lines.append("")
    for f in found:
        lines += [
            f"   **{rst_text(f.title)}: {f.verdict}.** *The reference:* {rst_text(f.claim)}",
            "",
            f"   *This run:* {rst_text(f.run)}",
            "",
            f"   *Rule:* {rst_text(f.rule)}.",
            "",
        ]
    return "\n".join(lines)


def write_summary(
    paths: dict,
    out_html: str,
    out_tsv: str,
    out_rst: str | None = None,
    *,
    reference,
    run_name,
    source,
    pair_threshold,
    uniform_b=None,
):
    """summary.html (the summary page), summary.tsv (its numbers as one table) and, with
    ``out_rst``, the digest the report's front page includes."""
    run = load_run(paths, pair_threshold, uniform_b)
    write_tsv(summary_rows(run, reference), out_tsv, columns=["section", "quantity", "run", "reference"])
    write_text_atomic(out_html, summary_html(run, reference, run_name, source, download_link(out_tsv)))
    if out_rst:
        write_text_atomic(out_rst, digest_rst(run, reference, run_name))
