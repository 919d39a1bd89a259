"""Correlation structure without component numbers, and how Gaussian each component is.

Component indices are arbitrary: two models (or two seeds of one) number their latent components
differently, so "pair (151, 242)" cannot be compared across runs. The eigenvalue spectrum of the
correlation matrix, its participation ratio and effective rank, and the distribution of |r| over
all pairs do not depend on the numbering. The Marchenko-Pastur edge (1 + sqrt(D / N))^2 is the
largest eigenvalue that D independent components would show over N vectors: eigenvalues above it
are correlation structure, not sampling noise.

The article also calls the components' distributions "very similar to Gaussian functions". Per
component, the Kolmogorov-Smirnov distance between its values over all N vectors and the normal
distribution with its exact mean and std decides that (``gaussian_shape``), and the sign of its
excess kurtosis says how it deviates: flat-topped (negative: a uniform distribution has -1.2) or
heavy-tailed (positive). Skew and kurtosis are streamed once around the exact mean; the KS distance
is read off the fine histograms of ``components``, exact at every bin edge (1/20 std apart).
"""

from __future__ import annotations

import math

import numpy as np

from ..io.latents import open_latents
from ..io.stream import iter_chunks
from ..io.tables import read_tsv, write_tsv
from .moments import Moments

# "Close to a Gaussian": the KS distance to the fitted normal is below KS_SIZE, a deviation too small
# to matter (a uniform distribution is 0.058 away, a Laplace 0.063, a t with 10 degrees of freedom,
# excess kurtosis ~1, 0.016), or below the 1% critical value of the KS test with fitted mean and std
# (Lilliefors: KS_NOISE / sqrt(N)) where N is too small to resolve KS_SIZE.
KS_SIZE = 0.02
KS_NOISE = 1.031
SHAPES = ("Gaussian", "flat-topped", "heavy-tailed")
R_QUANTILES = (0.5, 0.9, 0.99)
SHARES = (0.5, 0.9, 0.99)
PRINCIPAL_SHARE = 0.9  # the principal subspace: the fewest leading axes holding this share of the variance


def spectrum(matrix: np.ndarray) -> np.ndarray:
    """Eigenvalues of a symmetric matrix, largest first, rounding negatives clipped to 0; NaN
    rows (zero-variance components) count as uncorrelated."""
    a = np.nan_to_num(np.asarray(matrix, dtype=np.float64))
    return np.clip(np.linalg.eigvalsh(a)[::-1], 0.0, None)


def participation_ratio(evals: np.ndarray) -> float:
    """(sum l)^2 / sum l^2: D for D equal eigenvalues, 1 when one direction holds everything."""
    s2 = float((evals**2).sum())
    return float(evals.sum() ** 2 / s2) if s2 > 0 else 0.0


def effective_rank(evals: np.ndarray) -> float:
    """exp of the entropy of the normalised eigenvalues (Roy and Vetterli 2007)."""
    total = float(evals.sum())
    if total <= 0:
        return 0.0
    p = evals[evals > 0] / total
    return float(np.exp(-(p * np.log(p)).sum()))


def components_for_share(evals: np.ndarray, share: float) -> int:
    """How many leading eigenvalues hold ``share`` of the total."""
    c = np.cumsum(evals) / evals.sum()
    return int(np.searchsorted(c, share - 1e-12) + 1)


def marchenko_pastur_edge(dim: int, n: int) -> float:
    """Largest correlation-matrix eigenvalue expected from ``dim`` independent components, ``n`` rows."""
    return (1.0 + np.sqrt(dim / n)) ** 2


def off_diagonal_abs(corr: np.ndarray) -> np.ndarray:
    """|r| of every pair i < j (NaN as 0, as the pair counts do)."""
    iu = np.triu_indices(len(corr), k=1)
    return np.abs(np.nan_to_num(corr[iu], nan=0.0))


def pair_overlap(pairs: list[tuple[int, int]], dominant, dim: int) -> dict:
    """How many ``pairs`` join two dominant components, or at least one, against the expectation
    for pairs drawn at random from all ``dim`` components (K dominant):
    P(both) = K(K-1) / (D(D-1)), P(any) = 1 - (D-K)(D-K-1) / (D(D-1))."""
    dom = set(int(d) for d in dominant)
    k, n = len(dom), len(pairs)
    both = sum(int(i) in dom and int(j) in dom for i, j in pairs)
    anyd = sum(int(i) in dom or int(j) in dom for i, j in pairs)
    total = dim * (dim - 1)
    return {
        "pairs": n,
        "dominant": k,
        "both_dominant": both,
        "any_dominant": anyd,
        "chance_both": k * (k - 1) / total if total else float("nan"),
        "chance_any": 1.0 - (dim - k) * (dim - k - 1) / total if total else float("nan"),
    }


def central_powers(blocks, mean: np.ndarray) -> tuple[int, np.ndarray]:
    """Row count and the summed 2nd, 3rd and 4th powers of deviations from the exact ``mean``,
    per component (3, D), over every block of rows."""
    n, s = 0, np.zeros((3, len(mean)))
    for block in blocks:
        d = np.asarray(block, dtype=np.float64) - mean
        d2 = d * d
        s += np.stack([d2.sum(axis=0), (d2 * d).sum(axis=0), (d2 * d2).sum(axis=0)])
        n += len(d)
    return n, s


def skew_kurtosis(n: int, powers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Skew and excess kurtosis (population moments: N is large, small-sample corrections do not
    matter) from ``central_powers``; NaN for a component without spread."""
    m2, m3, m4 = powers / max(n, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        skew = np.where(m2 > 0, m3 / m2**1.5, np.nan)
        kurt = np.where(m2 > 0, m4 / m2**2 - 3.0, np.nan)
    return skew, kurt


def ks_limit(n: int) -> float:
    """The KS distance below which a component counts as Gaussian, over ``n`` vectors."""
    return max(KS_SIZE, KS_NOISE / math.sqrt(max(n, 1)))


def gaussian_rule(n: int) -> str:
    """The rule ``gaussian_shape`` applies, in words."""
    return (
        f"Gaussian when the largest gap between the component's cumulative distribution and that of "
        f"a normal with its mean and std (the Kolmogorov-Smirnov distance) is below {ks_limit(n):.3g} "
        f"(the larger of {KS_SIZE:g}, a deviation too small to matter, and the 1% noise level at "
        f"{n:,} vectors); otherwise flat-topped if its excess kurtosis is negative, heavy-tailed if "
        "positive"
    )


_ERF = np.frompyfunc(math.erf, 1, 1)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _ERF(np.asarray(x, float) / math.sqrt(2.0)).astype(float))


def ks_normal(hist: dict, m: Moments) -> np.ndarray:
    """Per component, the KS distance between its values over all N vectors and the normal with its
    exact mean and std, evaluated at the edges of its fine histogram (``hist``: fine_counts (D,
    bins), fine_lo, fine_width, as ``components.histograms`` makes them). Values beyond the grid
    (more than 8 std out) are below it if the component's minimum is, else above it; where both
    ends lie beyond it, half on each side. NaN for a component without spread."""
    counts = np.asarray(hist["fine_counts"], dtype=np.float64)
    std = m.std()
    out = np.full(len(counts), np.nan)
    for i, c in enumerate(counts):
        if not std[i] > 0:
            continue
        edges = hist["fine_lo"][i] + hist["fine_width"][i] * np.arange(len(c) + 1)
        missing = m.n - c.sum()
        below_grid, above_grid = m.min[i] < edges[0], m.max[i] > edges[-1]
        below = missing * (1.0 if not above_grid else 0.5 if below_grid else 0.0)
        emp = (below + np.concatenate([[0.0], np.cumsum(c)])) / m.n
        out[i] = float(np.abs(emp - normal_cdf((edges - m.mean[i]) / std[i])).max())
    return out


def gaussian_shape(ks: np.ndarray, kurt: np.ndarray, n: int) -> list[str]:
    """Each component's shape by the rule of ``gaussian_rule``."""
    limit = ks_limit(n)
    return [
        "" if not np.isfinite(k) else SHAPES[0] if k < limit else SHAPES[1] if u < 0 else SHAPES[2]
        for k, u in zip(ks, kurt, strict=True)
    ]


def structure_rows(
    m: Moments,
    skew: np.ndarray,
    kurt: np.ndarray,
    dominant: list[int],
    pairs: list[tuple[int, int]],
    ks: np.ndarray | None = None,
) -> tuple[list[dict], list[dict]]:
    """(summary rows ``quantity, value, meaning``, spectrum rows ``rank, ...``) of one run; ``ks``:
    each component's KS distance to its fitted normal (``ks_normal``; without it no shape rows)."""
    corr, cov = m.corr(), m.cov()
    ec, ev = spectrum(corr), spectrum(cov)
    r = off_diagonal_abs(corr)
    edge = marchenko_pastur_edge(m.dim, m.n)
    std = m.std()
    dom = np.zeros(m.dim, bool)
    dom[list(dominant)] = True
    ov = pair_overlap(pairs, dominant, m.dim)
    rows = [
        ("n_vectors", m.n, "vectors N the statistics are computed over"),
        ("dim", m.dim, "latent dimension D"),
        ("n_pairs", m.dim * (m.dim - 1) // 2, "component pairs D(D-1)/2"),
        (
            "corr_participation_ratio",
            participation_ratio(ec),
            "(sum l)^2 / sum l^2 of the correlation matrix: D if uncorrelated",
        ),
        (
            "corr_effective_rank",
            effective_rank(ec),
            "exp(entropy) of the correlation eigenvalues: D if uncorrelated",
        ),
        ("corr_top_eigenvalue", float(ec[0]), "largest correlation eigenvalue: 1 if uncorrelated"),
        ("marchenko_pastur_edge", edge, "largest eigenvalue D independent components show over N vectors"),
        (
            "corr_eigenvalues_above_edge",
            int((ec > edge).sum()),
            "correlation eigenvalues above that edge: correlated directions",
        ),
        (
            "cov_participation_ratio",
            participation_ratio(ev),
            "participation ratio of the covariance: directions the variance spreads over",
        ),
        ("cov_effective_rank", effective_rank(ev), "effective rank of the covariance"),
    ]
    rows += [
        (
            f"cov_components_{int(s * 100)}pct",
            components_for_share(ev, s),
            f"principal axes holding {s:.0%} of the variance",
        )
        for s in SHARES
    ]
    rows += [("abs_r_mean", float(r.mean()), "mean |r| over all pairs")]
    rows += [
        (f"abs_r_q{int(q * 100)}", float(np.quantile(r, q)), f"{q:.0%} of pairs have |r| below this")
        for q in R_QUANTILES
    ]
    rows += [
        ("abs_r_max", float(r.max()) if len(r) else 0.0, "largest |r|"),
        (
            "abs_r_noise",
            float(np.sqrt(2.0 / (np.pi * m.n))),
            "mean |r| of independent components over N vectors",
        ),
        ("pairs_above_threshold", ov["pairs"], "pairs in pairs.tsv (|r| above stats.pair_threshold)"),
        ("pairs_both_dominant", ov["both_dominant"], "of those, pairs of two dominant components"),
        ("pairs_any_dominant", ov["any_dominant"], "of those, pairs with at least one dominant component"),
        ("chance_both_dominant", ov["chance_both"], "share expected for random pairs: K(K-1)/(D(D-1))"),
        ("chance_any_dominant", ov["chance_any"], "share expected for random pairs: 1-(D-K)(D-K-1)/(D(D-1))"),
        ("n_dominant", ov["dominant"], "dominant components K"),
        ("component_std_median", float(np.median(std)), "median std of a component: the latent scale"),
        (
            "component_rms",
            float(np.sqrt(np.mean(m.mean**2 + std**2))),
            "root mean square of a component's values: |z| is about sqrt(D) times this",
        ),
        (
            "skew_abs_median",
            float(np.nanmedian(np.abs(skew))),
            "median |skew| over components (0 for a Gaussian)",
        ),
        (
            "kurtosis_abs_median",
            float(np.nanmedian(np.abs(kurt))),
            "median |excess kurtosis| (0 for a Gaussian)",
        ),
        (
            "kurtosis_negative_share_dominant",
            float((kurt[dom] < 0).mean()) if dom.any() else float("nan"),
            "dominant components with negative excess kurtosis (flatter than a Gaussian)",
        ),
    ]
    if ks is not None:
        shape = np.array(gaussian_shape(ks, kurt, m.n))
        rows += [
            ("ks_limit", ks_limit(m.n), "KS distance below which a component counts as Gaussian"),
            ("ks_median", float(np.nanmedian(ks)), "median KS distance of a component to its fitted normal"),
            (
                "ks_median_dominant",
                float(np.nanmedian(ks[dom])) if dom.any() else float("nan"),
                "the same among dominant components",
            ),
        ]
        for which, sel in (("", np.ones(m.dim, bool)), ("_dominant", dom)):
            for name in SHAPES:
                key = name.lower().replace("-", "_")
                rows.append(
                    (
                        f"{'near_gaussian' if name == SHAPES[0] else key}_share{which}",
                        float((shape[sel] == name).mean()) if sel.any() else float("nan"),
                        f"{'dominant ' if which else ''}components {name} by the KS rule (gaussian_rule)",
                    )
                )
    summary = [
        {"quantity": q, "value": float(v) if isinstance(v, float) else v, "meaning": d} for q, v, d in rows
    ]
    cc, cv = np.cumsum(ec) / ec.sum(), np.cumsum(ev) / ev.sum()
    spec = [
        {
            "rank": k + 1,
            "corr_eigenvalue": float(ec[k]),
            "corr_cumulative": float(cc[k]),
            "cov_eigenvalue": float(ev[k]),
            "cov_cumulative": float(cv[k]),
        }
        for k in range(m.dim)
    ]
    return summary, spec


def write_structure(
    latents_path: str,
    moments_path: str,
    components_path: str,
    hist_path: str,
    pairs_path: str,
    out_table: str,
    out_spectrum: str,
    out_gaussianity: str,
) -> None:
    """structure.tsv (numbering-free summary), spectrum.tsv, gaussianity.tsv (one row per
    component: skew, excess kurtosis, KS distance to its fitted normal, shape)."""
    m = Moments.load(moments_path)
    comps = read_tsv(components_path)
    dominant = [int(r["index"]) for r in comps if r["dominant"]]
    pairs = [(int(r["i"]), int(r["j"])) for r in read_tsv(pairs_path)]
    n, powers = central_powers((b for _, b in iter_chunks(open_latents(latents_path))), m.mean)
    if n != m.n:
        raise ValueError(f"{latents_path} has {n} rows, {moments_path} counted {m.n}")
    skew, kurt = skew_kurtosis(n, powers)
    with np.load(hist_path) as f:
        ks = ks_normal({k: f[k] for k in ("fine_counts", "fine_lo", "fine_width")}, m)
    summary, spec = structure_rows(m, skew, kurt, dominant, pairs, ks)
    write_tsv(summary, out_table)
    write_tsv(spec, out_spectrum)
    shape = gaussian_shape(ks, kurt, n)
    dom = set(dominant)
    write_tsv(
        [
            {
                "index": i,
                "mean": float(m.mean[i]),
                "std": float(np.sqrt(powers[0, i] / n)),
                "skew": float(skew[i]),
                "excess_kurtosis": float(kurt[i]),
                "ks_normal": float(ks[i]),
                "shape": shape[i],
                "near_gaussian": int(shape[i] == SHAPES[0]),
                "dominant": int(i in dom),
            }
            for i in range(m.dim)
        ],
        out_gaussianity,
    )
