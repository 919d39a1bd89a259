"""The report's first page: this run's key numbers beside a reference run's (by default the
article's published values), and the article's claims checked against this run's data.

Every sentence on the page is computed from the run's tables; each verdict names the rule it
applies, so a reader can disagree with the rule instead of guessing it.
"""

from __future__ import annotations

import math

from ..io.atomic import write_text_atomic
from ..io.sample import load_sample
from ..io.tables import read_tsv, write_tsv
from ..stats.structure import KURTOSIS_LIMIT, SKEW_LIMIT, pair_overlap
from ..vectors.names import GENERATOR_KINDS, of_kind
from .html import download_link, esc, fmt, page, table

# Generators that draw every component independently, those that model the correlations, and the prior.
INDEPENDENT = of_kind("independent")
CORRELATED = of_kind("correlated")
PRIOR = of_kind("prior")
SHARE_FACTOR = 3.0  # pair shares agree within this factor of the reference's
FEW_AXES = 0.1  # "a few primary axes": covariance participation ratio at most this share of D
NEAR_GAUSSIAN = 0.8  # "Gaussian components": at least this share near-Gaussian
BORDER_PERCENTILE = 90.0  # the origin is at the border beyond this percentile of real distances...
BORDER_FACTOR = 1.2  # ...and within this factor of the real vectors' 99th percentile
VERDICT_CLASS = {"agrees": "agree", "partly": "unclear", "differs": "differ", "unclear": "unclear"}


def pair_total(dim: int) -> int:
    return dim * (dim - 1) // 2


def pct(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{100 * x:.{digits}g}%"


def _row_at(rows: list[dict], t: float) -> dict:
    return next((r for r in rows if math.isclose(float(r["threshold"]), t)), {})


def _interval(row: dict) -> tuple | None:
    """The spread of the counts over fresh M-subsets (None for a threshold the run lacks)."""
    return (row["subset_low"], row["subset_high"]) if "subset_low" in row else None


def threshold_rows(counts: list[dict], ref: dict, dim: int) -> list[dict]:
    """One row per threshold in either table: counts and shares of all pairs, run and reference."""
    ref_counts = {float(r["threshold"]): r["count"] for r in ref["threshold_counts"]}
    n_run, n_ref = pair_total(dim), pair_total(ref["latent_dim"])
    rows = []
    for t in sorted({float(r["threshold"]) for r in counts} | set(ref_counts)):
        c_ref, run = ref_counts.get(t), _row_at(counts, t)
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


def reference_overlap(ref: dict) -> dict:
    return pair_overlap(
        [(p["i"], p["j"]) for p in ref["pairs"]], [d["index"] for d in ref["dominant"]], ref["latent_dim"]
    )


def finding_pair_share(run: dict, ref: dict) -> dict | None:
    t = float(ref["pair_threshold"])
    n_run = _row_at(run["counts"], t).get("n_all")
    n_ref = next((r["count"] for r in ref["threshold_counts"] if math.isclose(r["threshold"], t)), None)
    if n_run is None or not n_ref:
        return None
    total_ref = pair_total(ref["latent_dim"])
    sr, sf = n_run / pair_total(run["dim"]), n_ref / total_ref
    ratio = sr / sf
    return {
        "claim": f"A few component pairs are clearly correlated: {n_ref} of {total_ref:,} pairs "
        f"({pct(sf)}) have |r| > {t:g}.",
        "run": f"{n_run} of {pair_total(run['dim']):,} pairs ({pct(sr)}) over all {run['n']:,} vectors, "
        f"{fmt(ratio, 2)} times the reference share.",
        "verdict": "agrees" if 1 / SHARE_FACTOR <= ratio <= SHARE_FACTOR else "differs",
        "rule": f"shares of all pairs within a factor {SHARE_FACTOR:g}",
    }


def strongest(run: dict, ref: dict) -> list[tuple[int, int]]:
    """This run's strongest pairs, as many as the reference lists (pairs.tsv is strongest first):
    the same question as the article's, even when many more pairs pass the threshold here."""
    return run["pairs"][: len(ref["pairs"])]


def finding_dominant_pairs(run: dict, ref: dict) -> dict | None:
    top = strongest(run, ref)
    ov, ovr = pair_overlap(top, run["dominant"], run["dim"]), reference_overlap(ref)
    if not ov["pairs"]:
        return None
    both, anyd = ov["both_dominant"] / ov["pairs"], ov["any_dominant"] / ov["pairs"]
    return {
        "claim": "Most of the strongly correlated pairs are dominant components: "
        f"{ovr['both_dominant']} of {ovr['pairs']} join two dominant ones (chance "
        f"{pct(ovr['chance_both'])}), {ovr['any_dominant']} at least one (chance {pct(ovr['chance_any'])}).",
        "run": f"of the {ov['pairs']} strongest pairs, {ov['both_dominant']} join two of the "
        f"{len(run['dominant'])} dominant components (chance {pct(ov['chance_both'])}), "
        f"{ov['any_dominant']} at least one (chance {pct(ov['chance_any'])}).",
        "verdict": "agrees" if both > 0.5 else ("partly" if anyd > 0.5 else "differs"),
        "rule": "more than half join two dominant components; partly: more than half at least one",
    }


def finding_gaussian(run: dict) -> dict | None:
    s = run["structure"]
    g = s.get("near_gaussian_share")
    if g is None:
        return None
    return {
        "claim": "The components' value distributions are very similar to Gaussians.",
        "run": f"{pct(g)} of components (of the dominant ones {pct(s.get('near_gaussian_share_dominant'))}) "
        f"have |skew| < {SKEW_LIMIT:g} and |excess kurtosis| < {KURTOSIS_LIMIT:g}; median |skew| "
        f"{fmt(s.get('skew_abs_median'), 2)}, "
        f"median |excess kurtosis| {fmt(s.get('kurtosis_abs_median'), 2)}.",
        "verdict": "agrees" if g >= NEAR_GAUSSIAN else ("partly" if g >= 0.5 else "differs"),
        "rule": f"at least {NEAR_GAUSSIAN:.0%} of components near-Gaussian; partly: at least half",
    }


def finding_axes(run: dict) -> dict | None:
    s, dim = run["structure"], run["dim"]
    pr = s.get("cov_participation_ratio")
    if pr is None:
        return None
    return {
        "claim": "The cloud is an ellipsoid with major extensions along only a few primary axes.",
        "run": f"the variance spreads over {fmt(pr, 3)} of {dim} directions (participation ratio); "
        f"{s.get('cov_components_90pct', '-')} principal axes hold 90% of it.",
        "verdict": "agrees" if pr <= FEW_AXES * dim else "differs",
        "rule": f"participation ratio at most {FEW_AXES:.0%} of D",
    }


def origin_position(origin: dict) -> tuple[str, str]:
    """(verdict, where) for the origin, by its Mahalanobis distance among the real vectors'."""
    p, d0, p99 = origin["origin_percentile"], origin["origin_mahalanobis"], origin["real_mahalanobis_p99"]
    if p < BORDER_PERCENTILE:
        return "differs", f"inside the bulk: farther out than only {p:.0f}% of real vectors"
    if d0 <= BORDER_FACTOR * p99:
        return (
            "agrees",
            f"at the border: farther out than {p:.0f}% of real vectors, d0 / p99 = {d0 / p99:.2f}",
        )
    return "differs", f"outside the cloud: its distance is {d0 / p99:.2f} times the real 99th percentile"


def finding_origin(run: dict) -> dict | None:
    o = run.get("origin")
    if not o:
        return None
    verdict, where = origin_position(o)
    return {
        "claim": "The cloud's centre is off the origin, and the origin lies in a border region of the cloud.",
        "run": f"the origin is {where}; in {pct(o.get('components_0_near_edge'))} of components 0 lies "
        "within 10% of an edge of the central 99% range.",
        "verdict": verdict,
        "rule": f"border: beyond the {BORDER_PERCENTILE:g}th percentile of real Mahalanobis distances "
        f"and within {BORDER_FACTOR:g} times their 99th percentile",
    }


def coverage_sentence(cov: dict) -> str:
    """'independent-component vectors: X% inside the real cloud; correlated generators: Y%'."""
    parts = []
    for kind, names in (
        ("independent-component vectors", INDEPENDENT),
        ("correlated generators", CORRELATED),
        ("the prior N(0, I)", PRIOR),
    ):
        have = [g for g in names if g in cov]
        if have:
            shares = ", ".join(f"{g} {pct(cov[g]['inside_fraction'], 3)}" for g in have)
            parts.append(f"{kind}: {shares}")
    return "; ".join(parts) + " inside the real cloud (real vectors: 99%)."


def finding_coverage(run: dict) -> dict | None:
    cov = {r["generator"]: r for r in run["coverage"]}
    ind = [cov[g]["inside_fraction"] for g in INDEPENDENT if g in cov]
    if not ind:
        return None
    return {
        "claim": "Statistical vectors with independent components mostly fall outside the real cloud.",
        "run": coverage_sentence(cov),
        "verdict": "agrees" if max(ind) < 0.5 else "differs",
        "rule": "every independent generator has less than half of its vectors inside",
    }


def best_b(radii: list[dict]) -> tuple[dict, bool]:
    """The best-matching row of the b sweep, and whether it sits at an end of the sweep."""
    best = next(r for r in radii if r["best"])
    bs = [r["b"] for r in radii]
    return best, best["b"] in (min(bs), max(bs))


def finding_radii(run: dict, ref: dict) -> dict | None:
    if not run["radii"]:
        return None
    best, edge = best_b(run["radii"])
    lo, hi = ref["b_range"]
    bs = [r["b"] for r in run["radii"]]
    end = f", at the end of the sweep {min(bs):g}-{max(bs):g}: the optimum may lie beyond it" if edge else ""
    return {
        "claim": f"Uniform vectors have about the right length only for {lo:g} <= b <= {hi:g} "
        f"(best b = {ref['best_b']:g}).",
        "run": f"best b = {best['b']:g} (KS distance of the lengths {best['ks']:.2f}){end}.",
        "verdict": "unclear" if edge else ("agrees" if lo <= best["b"] <= hi else "differs"),
        "rule": f"best b within [{lo:g}, {hi:g}]; unclear when it sits at an end of figures.b_sweep",
    }


def findings(run: dict, ref: dict) -> list[dict]:
    """The article's claims, each with this run's numbers and a verdict by a stated rule."""
    found = [
        finding_pair_share(run, ref),
        finding_dominant_pairs(run, ref),
        finding_gaussian(run),
        finding_axes(run),
        finding_origin(run),
        finding_coverage(run),
        finding_radii(run, ref),
    ]
    return [f for f in found if f is not None]


def summary_rows(run: dict, ref: dict) -> list[dict]:
    """The key numbers as a flat table (section, quantity, run, reference); '' where one is missing."""
    rows = [
        ("scale", "vectors N", run["n"], ref["n_vectors"]),
        ("scale", "latent dimension D", run["dim"], ref["latent_dim"]),
        ("scale", "component pairs", pair_total(run["dim"]), pair_total(ref["latent_dim"])),
        ("scale", "sample M", run["m"], ref["sample_size"]),
        ("scale", "dominant components", len(run["dominant"]), len(ref["dominant"])),
        ("model", "final validation MSE", run.get("valid_mse"), None),
    ]
    for r in threshold_rows(run["counts"], ref, run["dim"]):
        t = f"|r| > {r['threshold']:g}"
        rows += [
            ("pairs", f"{t}, M-sample", r["run_sample"], r["reference"]),
            ("pairs", f"{t}, all N", r["run_all"], None),
            ("pair shares", f"{t}, M-sample", r["run_sample_share"], r["reference_share"]),
            ("pair shares", f"{t}, all N", r["run_all_share"], None),
        ]
    ovr = reference_overlap(ref)
    for which, pairs in (("above the pair threshold", run["pairs"]), ("strongest", strongest(run, ref))):
        ov = pair_overlap(pairs, run["dominant"], run["dim"])
        for key, label in (
            ("pairs", "pairs"),
            ("both_dominant", "joining two dominant components"),
            ("any_dominant", "joining at least one dominant component"),
            ("chance_both", "chance share, two dominant"),
            ("chance_any", "chance share, at least one dominant"),
        ):
            rows.append((f"pairs {which}", label, ov[key], ovr[key]))
    ref_sp = ref["special_counts"]
    for k, r in enumerate(run["special"]):
        rows.append(
            (
                "special points",
                f"after step {r['step']}, M-sample",
                r.get("n_sample"),
                ref_sp[k + 1] if k + 1 < len(ref_sp) else None,
            )
        )
    rows += [("structure", q, v, ref["structure"].get(q)) for q, v in run["structure"].items()]
    rows += [
        ("coverage", f"{c['generator']} inside fraction", c["inside_fraction"], None) for c in run["coverage"]
    ]
    if run["radii"]:
        rows.append(("radii", "best b", best_b(run["radii"])[0]["b"], ref["best_b"]))
    rows += [("origin", k, v, None) for k, v in (run.get("origin") or {}).items()]
    return [
        {"section": a, "quantity": b, "run": "" if c is None else c, "reference": "" if d is None else d}
        for a, b, c, d in rows
    ]


def _section(title: str, body: str, note: str = "") -> str:
    return f"<h2>{esc(title)}</h2>" + (f'<p class="note">{esc(note)}</p>' if note else "") + body


def findings_html(run: dict, ref: dict) -> str:
    cols = ["claim (reference)", "this run", "verdict", "rule"]
    rows = [
        dict(zip(cols, (f["claim"], f["run"], f["verdict"], f["rule"]), strict=True))
        for f in findings(run, ref)
    ]
    html = table(rows, cols)
    for word, cls in VERDICT_CLASS.items():
        html = html.replace(f"<td>{word}</td>", f'<td class="{cls}">{word}</td>')
    return _section("Findings: the article's claims against this run", html)


def thresholds_html(run: dict, ref: dict) -> str:
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
    rows = threshold_rows(run["counts"], ref, run["dim"])
    for r in rows:
        for k in ("reference_share", "run_sample_share", "run_all_share"):
            r[k] = pct(r[k], 3)
    return _section(
        "Correlated pairs per threshold",
        table([{cols[k]: v for k, v in r.items()} for r in rows], list(cols.values())),
        f"Shares are of all D(D-1)/2 pairs ({pair_total(ref['latent_dim']):,} in the reference, "
        f"{pair_total(run['dim']):,} here), so they compare runs of different latent dimension.",
    )


def dominant_html(run: dict, ref: dict) -> str:
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
        (f"this run, all above {run['pair_threshold']:g}", run["pairs"], run["dominant"], run["dim"]),
        (f"this run, strongest {len(top)}", top, run["dominant"], run["dim"]),
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
        f"{run['pair_threshold']:g} here). Chance: the share random pairs of distinct components give.",
    )
    ref_dom = sorted(ref["dominant"], key=lambda d: -d["hw"])
    run_dom = sorted(run["dominant_rows"], key=lambda d: -d.get("hw", 0.0))
    cols = [
        "rank",
        "ref index",
        "ref mu (peak)",
        "ref hw",
        "run index",
        "run mu (peak)",
        "run mean",
        "run hw",
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
            b.get("index"),
            b.get("mode"),
            b.get("mu"),
            b.get("hw"),
        )
        rows.append(dict(zip(cols, values, strict=True)))
    return html + _section(
        "Dominant components, widest first",
        table(rows, cols),
        "Rows are matched by rank of the width hw, not by index: component numbers are arbitrary. "
        "The article's mu is the peak position of a component's histogram.",
    )


def special_html(run: dict, ref: dict) -> str:
    cols = ["step", "condition", "reference", "run, M-sample", "run, all N"]
    ref_sp = ref["special_counts"]
    rows = [dict(zip(cols, ("start", "", ref_sp[0], run["m"], run["n"]), strict=True))]
    for k, r in enumerate(run["special"]):
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
    ("cov_participation_ratio", "directions the variance spreads over (participation ratio)"),
    ("cov_components_90pct", "principal axes holding 90% of the variance"),
    ("abs_r_q50", "median |r| over all pairs"),
    ("abs_r_q99", "99th percentile of |r|"),
    ("abs_r_noise", "mean |r| independent components would show over N vectors"),
    ("near_gaussian_share", "share of components near-Gaussian (|skew| < 0.5, |excess kurtosis| < 1)"),
]


def structure_html(run: dict, ref: dict) -> str:
    st = run["structure"]
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


def vectors_html(run: dict) -> str:
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
        for c in run["coverage"]
    ]
    return _section(
        "Statistical vectors",
        table(rows, cols),
        "Inside: Mahalanobis distance from the cloud's centre at most the real vectors' 99th percentile "
        "(real vectors: 99%). NN distance / real: 1 = as close to real vectors as real vectors are.",
    )


def summary_html(run: dict, ref: dict, run_name: str, source: str, table_link: str = "") -> str:
    """The page; ``table_link`` (HTML) offers its numbers as a TSV."""
    intro = (
        f"<p>Run <b>{esc(run_name)}</b>: {run['n']:,} {esc(source)} images encoded into "
        f"{run['dim']}-dimensional latent vectors; pairs counted over all N vectors and, as in the "
        f"article, over an M-sample of {run['m']:,}. Reference: <b>{esc(ref['name'])}</b> "
        f"({ref['n_vectors']:,} vectors, D = {ref['latent_dim']}, M = {ref['sample_size']:,}).</p>"
    )
    if run.get("valid_mse") is not None:
        intro += (
            f'<p class="note">Autoencoder: validation MSE {fmt(run["valid_mse"], 3)} after '
            f"{run['epochs']} epochs (pixels in [0, 1]).</p>"
        )
    if table_link:
        intro += f'<p class="note">All numbers on this page as one table: {table_link}</p>'
    body = intro + findings_html(run, ref) + thresholds_html(run, ref) + dominant_html(run, ref)
    body += special_html(run, ref) + structure_html(run, ref) + vectors_html(run)
    return page(f"Summary: {run_name} beside {ref['name']}", body)


def load_run(paths: dict, pair_threshold: float) -> dict:
    """This run's tables, as the page and the TSV read them."""
    structure = {r["quantity"]: r["value"] for r in read_tsv(paths["structure"])}
    dominant = read_tsv(paths["dominant"])
    metrics = read_tsv(paths["metrics"])
    origin = read_tsv(paths["origin"])
    return {
        "n": int(structure["n_vectors"]),
        "dim": int(structure["dim"]),
        "m": len(load_sample(paths["sample"])[0]),
        "pair_threshold": pair_threshold,
        "structure": structure,
        "counts": read_tsv(paths["counts"]),
        "pairs": [(r["i"], r["j"]) for r in read_tsv(paths["pairs"])],
        "dominant": [r["index"] for r in dominant],
        "dominant_rows": dominant,
        "special": read_tsv(paths["special"]),
        "coverage": read_tsv(paths["coverage"]),
        "radii": read_tsv(paths["radii"]),
        "origin": origin[0] if origin else None,
        "valid_mse": metrics[-1]["valid_mse"] if metrics else None,
        "epochs": len(metrics),
    }


def write_summary(paths: dict, out_html: str, out_tsv: str, *, reference, run_name, source, pair_threshold):
    """summary.html (the report's first page) and summary.tsv (its numbers as one table)."""
    run = load_run(paths, pair_threshold)
    write_tsv(summary_rows(run, reference), out_tsv, columns=["section", "quantity", "run", "reference"])
    write_text_atomic(out_html, summary_html(run, reference, run_name, source, download_link(out_tsv)))
