"""The article's claims checked against one run: plain functions over a ``RunSummary`` (and the
``reference`` config section), each returning a ``Finding`` with the claim, this run's numbers, a
verdict, the rule that gave it (in words, with its thresholds) and the figure that shows it.

Every threshold a verdict uses is a constant of this module (or of the statistics module whose
rule it applies), stated in the finding's rule; a function returns None when the run lacks the
numbers it needs. Verdicts: agrees, partly, differs, or unclear (the run cannot decide).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..stats.components import dominant_rule
from ..stats.structure import PRINCIPAL_SHARE, gaussian_rule, pair_overlap
from ..vectors.names import of_kind
from .html import fmt
from .load import RunSummary

INDEPENDENT = of_kind("independent")
CORRELATED = of_kind("correlated")
PRIOR = of_kind("prior")

SHARE_FACTOR = 3.0  # pair shares agree within this factor of the reference's
FEW_AXES = 0.1  # "a few primary axes": the variance's participation ratio at most this share of D
GAUSSIAN_ALL = 0.8  # "Gaussian components": at least this share of all and of the dominant ones...
GAUSSIAN_SOME = 0.5  # ...and "differs" below this share of both
OFFSET_SD = 1.0  # the centre is "off the origin" beyond this many standard deviations along their line
BORDER_PERCENTILE = 90.0  # the origin is at the border beyond this percentile of real distances...
BORDER_FACTOR = 1.2  # ...and within this factor of the real vectors' 99th percentile
LENGTH_KS = 0.25  # the best b gives "about the right length" when the lengths' KS distance is below this
INSIDE = 0.5  # a generator's vectors "fall outside" when fewer than this share lies inside
NN_GAP = 1.25  # independent vectors are farther from real ones when their NN ratio exceeds the
# best correlated generator's by more than this factor
UNDERTRAINED_DROP = 0.05  # the model may be under-trained when the last epoch cut the validation
# MSE by more than this fraction

VERDICTS = ("agrees", "partly", "differs", "unclear")
# each finding's short name, in the article's order of reading
TITLES = {
    "gaussian": "Gaussian components",
    "axes": "a few primary axes",
    "pair_share": "a few correlated pairs",
    "pair_concentration": "correlations among dominant components",
    "origin_centre": "centre off the origin",
    "origin_principal": "origin at the border: principal axes",
    "origin_rest": "origin at the border: the other axes",
    "lengths": "uniform vectors' length and b",
    "coverage": "independent vectors outside the cloud",
    "training": "the model has finished learning",
}


@dataclass(frozen=True)
class Finding:
    """One claim of the article against this run. ``figure``: the name (in the registry of
    outputs) of the figure that shows it."""

    key: str
    claim: str
    run: str
    verdict: str
    rule: str
    figure: str

    @property
    def title(self) -> str:
        return TITLES[self.key]

    def as_dict(self) -> dict:
        return asdict(self)


def pair_total(dim: int) -> int:
    return dim * (dim - 1) // 2


def pct(x, digits: int = 2) -> str:
    """A share as a percentage to ``digits`` significant digits (whole percents from 10**digits)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    v = 100 * x
    s = f"{v:.{digits}g}"
    return f"{v:.0f}%" if "e" in s else f"{s}%"


def _get(d: dict | None, key: str):
    v = (d or {}).get(key)
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def border_position(d: float, percentile: float, p99: float) -> tuple[str, str]:
    """(verdict, where) of a distance ``d`` of the origin among real vectors' (``percentile`` of
    them nearer, their 99th percentile ``p99``) by the border rule."""
    if percentile < BORDER_PERCENTILE:
        return "differs", f"inside the bulk (farther out than only {percentile:.0f}% of real vectors)"
    if d <= BORDER_FACTOR * p99:
        return "agrees", f"at the border (farther out than {percentile:.0f}% of real vectors)"
    return "differs", f"outside the cloud ({d / p99:.3g} times the real 99th percentile)"


BORDER_RULE = (
    f"at the border when farther from the centre than {BORDER_PERCENTILE:g}% of real vectors and at "
    f"most {BORDER_FACTOR:g} times their 99th percentile; inside the bulk when nearer, outside beyond "
    "that (Mahalanobis distances: in standard deviations of the cloud along each principal axis)"
)


# --- correlated pairs ---------------------------------------------------------------------------


def pair_share(run: RunSummary, ref: dict) -> Finding | None:
    """The share of all pairs above the article's pair threshold, beside the article's, and why it
    may differ: the correlation matrix's effective rank."""
    t = float(ref["pair_threshold"])
    n_run = run.count_at(t)
    n_ref = next((r["count"] for r in ref["threshold_counts"] if math.isclose(r["threshold"], t)), None)
    if n_run is None or not n_ref:
        return None
    total_ref = pair_total(ref["latent_dim"])
    sr, sf = n_run / pair_total(run.dim), n_ref / total_ref
    ratio = sr / sf
    text = (
        f"{n_run} of {pair_total(run.dim):,} pairs ({pct(sr)}) over all {run.n:,} vectors, "
        f"{fmt(ratio, 3)} times the reference share."
    )
    rank = _get(run.structure, "corr_effective_rank")
    if rank is not None:
        text += (
            f" Why: the correlation matrix's effective rank is {fmt(rank, 3)} of {run.dim} "
            f"({pct(rank / run.dim)}; {run.dim} if no two components were correlated)"
        )
        text += (
            ": the components share far fewer independent directions than D, so many pairs correlate."
            if ratio > SHARE_FACTOR and rank < run.dim / 2
            else "."
        )
    return Finding(
        "pair_share",
        f"A few component pairs are clearly correlated: {n_ref} of {total_ref:,} pairs ({pct(sf)}) "
        f"have |r| > {t:g}.",
        text,
        "agrees" if 1 / SHARE_FACTOR <= ratio <= SHARE_FACTOR else "differs",
        f"the share of all pairs with |r| > {t:g} within a factor {SHARE_FACTOR:g} of the reference's",
        "threshold_counts_figure",
    )


def strongest(run: RunSummary, ref: dict) -> list[tuple[int, int]]:
    """This run's strongest pairs, as many as the reference lists, from the correlation matrix: the
    same question as the article's, whether many more or fewer pairs pass the threshold here."""
    return run.strongest_pairs[: len(ref["pairs"])]


def reference_overlap(ref: dict) -> dict:
    return pair_overlap(
        [(p["i"], p["j"]) for p in ref["pairs"]], [d["index"] for d in ref["dominant"]], ref["latent_dim"]
    )


def pair_concentration(run: RunSummary, ref: dict) -> Finding | None:
    """Whether the strongest pairs join dominant components more often than chance."""
    top = strongest(run, ref)
    ov, ovr = pair_overlap(top, run.dominant, run.dim), reference_overlap(ref)
    if not ov["pairs"]:
        return None
    both, anyd = ov["both_dominant"] / ov["pairs"], ov["any_dominant"] / ov["pairs"]
    return Finding(
        "pair_concentration",
        "The correlations concentrate among the dominant components: of the "
        f"{ovr['pairs']} strongest pairs {ovr['both_dominant']} join two dominant ones (chance "
        f"{pct(ovr['chance_both'])}), {ovr['any_dominant']} at least one (chance {pct(ovr['chance_any'])}).",
        f"of the {ov['pairs']} strongest pairs, {ov['both_dominant']} join two of the "
        f"{len(run.dominant)} dominant components (chance {pct(ov['chance_both'])}), "
        f"{ov['any_dominant']} at least one (chance {pct(ov['chance_any'])}).",
        "agrees" if both > 0.5 else ("partly" if anyd > 0.5 else "differs"),
        f"more than half of the strongest pairs (as many as the reference lists) join two dominant "
        f"components; partly: more than half at least one. Dominant: {dominant_rule(len(run.dominant))}",
        "correlation_heatmap",
    )


# --- the components' distributions and the cloud's shape ----------------------------------------


def gaussian(run: RunSummary) -> Finding | None:
    """Gaussianity by the KS rule of stats.structure, over all components and the dominant ones."""
    s = run.structure
    g, gd = _get(s, "near_gaussian_share"), _get(s, "near_gaussian_share_dominant")
    if g is None or "ks_limit" not in s:
        return None
    gd_ = 0.0 if gd is None else gd
    text = (
        f"{pct(g)} of all {run.dim} components and {pct(gd)} of the {len(run.dominant)} dominant ones "
        f"are Gaussian by the rule; of the dominant ones {pct(_get(s, 'flat_topped_share_dominant'))} "
        f"are flat-topped and {pct(_get(s, 'heavy_tailed_share_dominant'))} heavy-tailed. Median KS "
        f"distance {fmt(_get(s, 'ks_median'), 2)} (dominant: {fmt(_get(s, 'ks_median_dominant'), 2)}; "
        f"limit {fmt(_get(s, 'ks_limit'), 2)})."
    )
    if g >= GAUSSIAN_ALL and gd_ >= GAUSSIAN_ALL:
        verdict = "agrees"
    elif g < GAUSSIAN_SOME and gd_ < GAUSSIAN_SOME:
        verdict = "differs"
    else:
        verdict = "partly"
    return Finding(
        "gaussian",
        "The components' value distributions are very similar to Gaussians.",
        text,
        verdict,
        f"{gaussian_rule(run.n)}. Agrees when at least {GAUSSIAN_ALL:.0%} of all components and of the "
        f"dominant ones are Gaussian, differs when fewer than {GAUSSIAN_SOME:.0%} of both are, partly "
        "otherwise",
        "component_histograms",
    )


def axes(run: RunSummary) -> Finding | None:
    s = run.structure
    pr = _get(s, "cov_participation_ratio")
    if pr is None:
        return None
    return Finding(
        "axes",
        "The cloud is an ellipsoid with major extensions along only a few primary axes.",
        f"the variance spreads over {fmt(pr, 3)} of {run.dim} directions (participation ratio of the "
        f"covariance); {s.get('cov_components_90pct', '-')} principal axes hold 90% of it.",
        "agrees" if pr <= FEW_AXES * run.dim else "differs",
        "the covariance's participation ratio (the squared sum of its eigenvalues over the sum of "
        f"their squares: the number of directions the variance spreads over) at most {FEW_AXES:.0%} of D",
        "structure_figure",
    )


# --- the origin ---------------------------------------------------------------------------------


def origin_centre(run: RunSummary) -> Finding | None:
    """(a) The centre off the origin, in standard deviations of the cloud along the line joining them."""
    o = run.origin
    sd = _get(o, "centre_offset_sd")
    if sd is None:
        return None
    return Finding(
        "origin_centre",
        "The cloud's centre lies at some distance from the origin.",
        f"the centre is {fmt(o['centre_norm'], 3)} from the origin (the cloud's RMS radius about its "
        f"centre: {fmt(o['centre_rms_radius'], 3)}): {fmt(sd, 3)} standard deviations of the real "
        "vectors along the line from the centre to the origin.",
        "agrees" if sd > OFFSET_SD else "differs",
        f"the origin lies more than {OFFSET_SD:g} standard deviation of the real vectors from the "
        "centre, along the line joining them",
        "origin_views",
    )


def origin_principal(run: RunSummary) -> Finding | None:
    """(b) The origin's position in the principal subspace holding most of the variance."""
    o = run.origin
    d = _get(o, "origin_principal")
    if d is None:
        return None
    verdict, where = border_position(d, o["origin_principal_percentile"], o["real_principal_p99"])
    text = (
        f"in the {o['principal_axes']} principal axes that hold {pct(o['principal_share'])} of the "
        f"variance the origin is {fmt(d, 3)} from the centre against a real median of "
        f"{fmt(o['real_principal_median'], 3)} and 99th percentile {fmt(o['real_principal_p99'], 3)}: "
        f"{where}."
    )
    if _get(o, "components_0_near_edge") is not None:
        text += (
            f" Component by component, 0 lies within {pct(o['edge_fraction'])} of an end of the "
            f"central 99% range in {pct(o['components_0_near_edge'])} of components"
            + (
                f" and outside that range in {pct(o['components_0_outside'])}."
                if _get(o, "components_0_outside") is not None
                else "."
            )
        )
    return Finding(
        "origin_principal",
        "The origin lies in a border region of the cloud, as the plots of the dominant components show.",
        text,
        verdict,
        f"in the principal subspace, the fewest leading axes that hold {PRINCIPAL_SHARE:.0%} of the "
        "variance: " + BORDER_RULE,
        "origin_views",
    )


def origin_rest(run: RunSummary) -> Finding | None:
    """(c) The origin's position in the remaining axes, and their share of its whole distance."""
    o = run.origin
    d = _get(o, "origin_rest")
    if d is None:
        return None
    verdict, where = border_position(d, o["origin_rest_percentile"], o["real_rest_p99"])
    return Finding(
        "origin_rest",
        "The origin is not outside the bulk in the directions no pair plot shows (the article: "
        '"we have to be careful regarding projection effects").',
        f"in the other {run.dim - int(o['principal_axes'])} axes ({pct(1 - o['principal_share'])} of "
        f"the variance) the origin is {fmt(d, 3)} from the centre against a real median of "
        f"{fmt(o['real_rest_median'], 3)} and 99th percentile {fmt(o['real_rest_p99'], 3)}: {where}. "
        f"These axes make {pct(o['rest_share_of_d0_squared'])} of its squared distance over all "
        f"{run.dim} axes ({fmt(o['origin_mahalanobis'], 3)}, farther out than "
        f"{o['origin_percentile']:.0f}% of real vectors).",
        verdict,
        "in the axes beyond the principal ones: " + BORDER_RULE,
        "origin_views",
    )


# --- statistical vectors ------------------------------------------------------------------------


def lengths(run: RunSummary, ref: dict) -> Finding | None:
    """The b whose uniform vectors have the real lengths, in units of the latent scale."""
    best = run.best_radius_row
    if best is None:
        return None
    bs = [r["b"] for r in run.radii]
    edge = best["b"] in (min(bs), max(bs))
    lo, hi = ref["b_range"]
    cs = float(ref["component_std"])
    s = run.scale
    text = f"best b = {best['b']:g} (KS distance of the lengths {best['ks']:.2f})"
    if s is None:
        return None
    rel = best["b"] / s
    text += (
        f", {fmt(rel, 3)} times the typical component std {fmt(s, 3)}; the reference: b = "
        f"{ref['best_b']:g}, {fmt(ref['best_b'] / cs, 3)} times its {cs:g}"
    )
    if edge:
        text += f"; at the end of the sweep {min(bs):g}-{max(bs):g}: the optimum may lie beyond it"
    elif best["ks"] > LENGTH_KS:
        text += (
            "; even this b leaves the length distributions apart: uniform lengths concentrate "
            f"around their median {fmt(best.get('radius_median'), 3)}, real ones spread"
        )
    if edge:
        verdict = "unclear"
    elif lo / cs <= rel <= hi / cs:
        verdict = "agrees" if best["ks"] <= LENGTH_KS else "partly"
    else:
        verdict = "differs"
    return Finding(
        "lengths",
        f"Uniform vectors have about the right length only for {lo:g} <= b <= {hi:g} "
        f"(best b = {ref['best_b']:g}).",
        text + ".",
        verdict,
        f"the best b (finest step 0.05) in units of the typical (median) component std within the "
        f"reference's range in its units ({fmt(lo / cs, 3)}-{fmt(hi / cs, 3)}); partly when even the "
        f"best b leaves the lengths apart (KS distance above {LENGTH_KS:g}); unclear when the best b "
        "ends the sweep",
        "radii_figure",
    )


def coverage(run: RunSummary) -> Finding | None:
    """Independent generators against the cloud: inside fraction and nearest-neighbour ratio."""
    cov = {r["generator"]: r for r in run.coverage}
    ind = [g for g in INDEPENDENT if g in cov]
    if not ind:
        return None
    best = run.best_radius_row

    def entry(g: str) -> str:
        b = ""
        if g == "uniform":
            b = f" (b = {run.uniform_b:g})" if run.uniform_b is not None else ""
            b = b or (f" (b = {best['b']:g}, the best-length b)" if best else "")
        return f"{g}{b} {pct(cov[g]['inside_fraction'], 3)} / {fmt(cov[g].get('nn_ratio'), 3)}"

    parts = [f"independent: {', '.join(entry(g) for g in ind)}"]
    cor = [g for g in CORRELATED if g in cov]
    if cor:
        parts.append(
            "correlated (inside by construction: fitted to the covariance the test measures with): "
            + ", ".join(entry(g) for g in cor)
        )
    pri = [g for g in PRIOR if g in cov]
    if pri:
        parts.append("the prior N(0, I): " + ", ".join(entry(g) for g in pri))
    text = "inside the cloud / nearest-neighbour distance over real-to-real: " + "; ".join(parts) + "."
    outside = all(cov[g]["inside_fraction"] < INSIDE for g in ind)
    nn_cor = [cov[g]["nn_ratio"] for g in cor if _get(cov[g], "nn_ratio") is not None]
    nn_ind = [cov[g]["nn_ratio"] for g in ind if _get(cov[g], "nn_ratio") is not None]
    farther = not nn_cor or not nn_ind or min(nn_ind) > NN_GAP * min(nn_cor)
    if outside and not farther:
        text += (
            " By the nearest real vector, independent vectors are about as close to the real ones as "
            "the correlated generators' are: the gap is in the Mahalanobis test, not in the distances."
        )
    return Finding(
        "coverage",
        "Statistical vectors with independent components mostly fall outside the real cloud.",
        text,
        ("agrees" if farther else "partly") if outside else "differs",
        f"every independent generator has less than {INSIDE:.0%} of its vectors inside (Mahalanobis "
        "distance at most the held-out real vectors' 99th percentile, so 99% of real vectors are "
        "inside); partly when their mean distance to the nearest held-out real vector is within "
        f"{NN_GAP:g} times that of the best correlated generator",
        "coverage_figure",
    )


# --- a precondition -----------------------------------------------------------------------------


def last_epoch_drop(metrics: list[dict]) -> float | None:
    """How much the last epoch cut the validation MSE, as a fraction of the epoch before's."""
    if len(metrics) < 2:
        return None
    prev, last = float(metrics[-2]["valid_mse"]), float(metrics[-1]["valid_mse"])
    return (prev - last) / prev if prev > 0 else None


def training(run: RunSummary) -> Finding | None:
    """The model may be under-trained when its last epoch still cut the validation MSE by much."""
    if run.valid_mse is None:
        return None
    drop = last_epoch_drop(run.metrics)
    text = f"validation MSE {fmt(run.valid_mse, 3)} after {run.epochs} epochs"
    if drop is None:
        verdict, text = "unclear", text + ": one epoch, no trend to judge."
    else:
        text += f", {pct(drop, 2)} below the epoch before"
        verdict = "differs" if drop > UNDERTRAINED_DROP else "agrees"
        text += (
            ": the model may be under-trained; its latents may change with more epochs."
            if (verdict == "differs")
            else "."
        )
    return Finding(
        "training",
        "(A precondition, not a claim of the article) The autoencoder has finished learning.",
        text,
        verdict,
        f"the validation MSE fell by at most {UNDERTRAINED_DROP:.0%} in the last epoch",
        "loss_curve",
    )


def findings(run: RunSummary, ref: dict) -> list[Finding]:
    """The article's claims in its order of reading, each with this run's numbers and a verdict."""
    found = [
        gaussian(run),
        axes(run),
        pair_share(run, ref),
        pair_concentration(run, ref),
        origin_centre(run),
        origin_principal(run),
        origin_rest(run),
        lengths(run, ref),
        coverage(run),
        training(run),
    ]
    return [f for f in found if f is not None]
