"""The models of one run side by side: one row per model from its own tables, sentences computed
from those rows, and a self-contained page with both (results/<run>/compare/).

Every number is read from a model's per-model outputs (metrics.tsv, threshold_counts.tsv,
structure.tsv, components.tsv, origin.tsv, coverage.tsv); nothing is recomputed from vectors.
Numbers a model lacks are NaN, shown as '-' on the page.
"""

from __future__ import annotations

import math

from ..io.atomic import write_text_atomic
from ..io.tables import read_tsv, write_tsv
from ..kinds import DEFAULT, KINDS, TRAINED_SETTINGS
from .findings import pair_total, pct
from .html import download_link, esc, fmt, page, table
from .tables import COLUMNS

NAN = float("nan")
PATH_KEYS = ("metrics", "counts", "structure", "components", "origin", "coverage")
# Settings of one trained kind only (TRAINED_SETTINGS): the workflow passes each model's settings
# without other kinds' keys (checks.model_settings), so a missing one is NaN here.
PRIOR = "standard_normal"  # the generator drawing N(0, I)
INSIDE = 0.5  # a model's cloud "holds" a generator's vectors when at least this share lies inside
MEANINGS = {
    "model": "model name (its key under the config's models)",
    "kind": "; ".join(f"{k.name}: {k.description}" for k in KINDS.values() if k.trained),
    "latent_dim": "latent dimension D",
    "beta": "the VAE's KL weight (vae only; NaN, on the page '-', for other kinds)",
    "latent_l2": "the RAE's weight of the latent penalty 0.5 |z|^2 (rae only)",
    "decoder_weight_decay": "the RAE's weight decay of the decoder (rae only)",
    "valid_mse": COLUMNS["valid_mse"] + ", after the last epoch",
    "pairs_r<t>": "component pairs with |r| > t over all N vectors (n_all of threshold_counts.tsv)",
    "share_r<t>": "pairs_r<t> / (D(D-1)/2), the share of all pairs: compares models of different D",
    "effective_rank": "effective rank of the correlation matrix, exp(entropy of its eigenvalues): "
    "D if the components are uncorrelated",
    "effective_rank_share": "effective_rank / D: 1 if uncorrelated, comparable across D",
    "dominant": "dominant components: the model's components.tsv flags, by the run's one rule (the "
    "stats.n_dominant components with the largest |mean| + hw_fine)",
    "origin_mahalanobis": COLUMNS["origin_mahalanobis"],
    "origin_percentile": COLUMNS["origin_percentile"],
    "inside_<generator>": "the generator's " + COLUMNS["inside_fraction"] + " (coverage.tsv inside_fraction)",
    "nn_ratio_<generator>": "the generator's " + COLUMNS["nn_ratio"],
}


def _num(v) -> float | int:
    """A table cell as a number; anything missing or non-numeric is NaN."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return NAN
    return v


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _key(t: float) -> str:
    return f"{float(t):g}"


def dominant_count(components: list[dict]) -> int:
    """The components a model's components.tsv flags dominant: the run's one definition
    (``stats.components.dominant_rule``), the same the figures and the summary use."""
    return sum(bool(c.get("dominant")) for c in components)


def model_row(name: str, settings: dict | None, paths: dict, thresholds) -> dict:
    """One model's row from its per-model files; ``paths`` has the keys in PATH_KEYS and
    ``settings`` is the model's merged config (kind, latent_dim, beta, ...). Columns: see MEANINGS."""
    settings = settings or {}
    metrics = read_tsv(paths["metrics"])
    counts = {_key(r["threshold"]): r for r in read_tsv(paths["counts"])}
    structure = {r["quantity"]: r["value"] for r in read_tsv(paths["structure"])}
    origin = (read_tsv(paths["origin"]) or [{}])[0]
    latent_dim = _num(settings.get("latent_dim"))
    dim = _num(structure.get("dim", latent_dim))
    n_pairs = pair_total(int(dim)) if _finite(dim) else 0
    row = {
        "model": name,
        "kind": settings.get("kind", DEFAULT),
        "latent_dim": latent_dim if _finite(latent_dim) else dim,
    }
    row.update({k: _num(settings.get(k)) for k in TRAINED_SETTINGS})
    row["valid_mse"] = _num(metrics[-1].get("valid_mse")) if metrics else NAN
    pairs = {_key(t): _num(counts.get(_key(t), {}).get("n_all")) for t in thresholds}
    row.update({f"pairs_r{t}": n for t, n in pairs.items()})
    row.update({f"share_r{t}": n / n_pairs if n_pairs and _finite(n) else NAN for t, n in pairs.items()})
    rank = _num(structure.get("corr_effective_rank"))
    row["effective_rank"] = rank
    row["effective_rank_share"] = rank / dim if _finite(dim) and dim > 0 else NAN
    row["dominant"] = dominant_count(read_tsv(paths["components"]))
    row["origin_mahalanobis"] = _num(origin.get("origin_mahalanobis"))
    row["origin_percentile"] = _num(origin.get("origin_percentile"))
    coverage = read_tsv(paths["coverage"])
    row.update({f"inside_{c['generator']}": _num(c.get("inside_fraction")) for c in coverage})
    row.update({f"nn_ratio_{c['generator']}": _num(c.get("nn_ratio")) for c in coverage})
    return row


def generators_of(rows: list[dict]) -> list[str]:
    """Every generator any row has, in the order they first appear."""
    seen: dict[str, None] = {}
    for r in rows:
        seen.update({k.removeprefix("inside_"): None for k in r if k.startswith("inside_")})
    return list(seen)


def columns_of(rows: list[dict]) -> list[str]:
    """The TSV's columns: the first row's up to the coverage columns, then every generator's."""
    gens = generators_of(rows)
    head = [k for k in rows[0] if not k.startswith(("inside_", "nn_ratio_"))]
    return head + [f"inside_{g}" for g in gens] + [f"nn_ratio_{g}" for g in gens]


def _named(rows: list[dict], key: str) -> str:
    """'a (12%), b (3.4%)': each model with its share ``key``."""
    return ", ".join(f"{r['model']} ({pct(r[key], 3)})" for r in rows)


def summary_sentences(rows: list[dict], pair_threshold: float) -> list[str]:
    """What the table says about fragmentation, one sentence per point."""
    t = _key(pair_threshold)
    share = f"share_r{t}"
    have = sorted((r for r in rows if _finite(r.get(share))), key=lambda r: r[share])
    out = []
    what = f"component pairs with |r| > {t}"
    if not have:
        out.append(f"No model has a count of {what}.")
    elif len(rows) == 1:
        r = have[0]
        out.append(f"Only one model, {r['model']}: {pct(r[share], 3)} of all its {what}.")
    elif len(have) == 1:
        r = have[0]
        out.append(f"Only {r['model']} has a count of {what}: {pct(r[share], 3)} of all its pairs.")
    elif have[0][share] == have[-1][share]:
        out.append(f"Every model has the same share of {what}: {pct(have[0][share], 3)}.")
    else:
        lo, hi = have[0], have[-1]
        out.append(
            f"Correlated {what}, as a share of all D(D-1)/2 pairs: lowest in {lo['model']} "
            f"({pct(lo[share], 3)}), highest in {hi['model']} ({pct(hi[share], 3)})."
        )
    ranks = sorted(
        (r for r in rows if _finite(r.get("effective_rank_share"))), key=lambda r: r["effective_rank_share"]
    )
    if len(rows) > 1 and ranks and ranks[0] is not ranks[-1]:
        lo, hi = ranks[0], ranks[-1]
        out.append(
            "Effective rank of the correlation matrix as a share of D (1 = uncorrelated): "
            f"from {pct(lo['effective_rank_share'], 3)} in {lo['model']} "
            f"to {pct(hi['effective_rank_share'], 3)} in {hi['model']}."
        )
    aes = [r for r in rows if r.get("kind") == DEFAULT]
    if len(rows) > 1 and not aes:
        out.append(f"No plain autoencoder (kind {DEFAULT}) is among the models.")
    for r in aes if len(rows) > 1 else []:
        if not _finite(r.get(share)):
            out.append(f"The plain autoencoder {r['model']} has no count at |r| > {t}.")
            continue
        lower = sum(h[share] < r[share] for h in have)
        higher = sum(h[share] > r[share] for h in have)
        if not lower and not higher:
            where = "the same as every other model"
        elif not higher:
            where = f"the highest of the {len(have)} models"
        elif not lower:
            where = f"the lowest of the {len(have)} models"
        else:
            where = f"between them: {lower} model{'s' * (lower > 1)} lower, {higher} higher"
        out.append(f"The plain autoencoder {r['model']} has {pct(r[share], 3)}, {where}.")
    out.append(prior_sentence(rows))
    origin = [r for r in rows if _finite(r.get("origin_percentile"))]
    if origin:
        each = ", ".join(f"{r['model']} {fmt(r['origin_percentile'], 3)}%" for r in origin)
        missing = [r["model"] for r in rows if r not in origin]
        out.append(
            "Share of real vectors nearer the cloud's centre than the origin (Mahalanobis distance; "
            f"near 100% puts the origin at or beyond the cloud's border): {each}"
            + (f"; not measured for {', '.join(missing)}." if missing else ".")
        )
    return out


def prior_sentence(rows: list[dict]) -> str:
    """Whether N(0, I) vectors land inside each model's cloud (inside fraction at least INSIDE)."""
    key = f"inside_{PRIOR}"
    measured = [r for r in rows if _finite(r.get(key))]
    if not measured:
        return f"N(0, I) vectors were not measured (no {PRIOR} generator in coverage.tsv)."
    inside = [r for r in measured if r[key] >= INSIDE]
    outside = [r for r in measured if r[key] < INSIDE]
    rule = f"at least {INSIDE:.0%} within the real vectors' 99th-percentile Mahalanobis distance"
    if not outside:
        text = f"N(0, I) vectors land inside the cloud of every model ({rule}): {_named(inside, key)}"
    elif not inside:
        text = f"N(0, I) vectors mostly fall outside the cloud of every model ({rule} in none): " + _named(
            outside, key
        )
    else:
        text = (
            f"N(0, I) vectors land inside the cloud ({rule}) of {_named(inside, key)}; "
            f"they mostly fall outside that of {_named(outside, key)}"
        )
    missing = [r["model"] for r in rows if not _finite(r.get(key))]
    return text + (f"; not measured for {', '.join(missing)}." if missing else ".")


def _percent(rows: list[dict], keys: list[str]) -> list[dict]:
    """Rows with the ``keys`` (shares) as percentages, for the page's tables."""
    return [{**r, **{k: 100 * r[k] if _finite(r.get(k)) else NAN for k in keys}} for r in rows]


def columns_html(columns: list[str]) -> str:
    """What each column means, in the layout of the table pages (report/tables.py)."""
    cells = "".join(f"<tr><th>{esc(c)}</th><td>{esc(MEANINGS[c])}</td></tr>" for c in columns)
    return f'<table class="columns">{cells}</table>'


def _section(title: str, body: str, note: str = "") -> str:
    return f"<h2>{esc(title)}</h2>" + (f'<p class="note">{esc(note)}</p>' if note else "") + body


def comparison_html(rows: list[dict], thresholds, pair_threshold: float, table_link: str = "") -> str:
    t = _key(pair_threshold)
    settings = [k for k in TRAINED_SETTINGS if any(_finite(r.get(k)) for r in rows)]
    main = ["model", "kind", "latent_dim", *settings, "valid_mse"]
    if f"share_r{t}" in rows[0]:
        main += [f"pairs_r{t}", f"share_r{t}"]
    main += ["effective_rank", "effective_rank_share", "dominant", "origin_mahalanobis", "origin_percentile"]
    shown = _percent(rows, [f"share_r{t}", "effective_rank_share"])
    headers = {
        "latent_dim": "D",
        "latent_l2": "latent L2",
        "decoder_weight_decay": "decoder decay",
        "valid_mse": "valid MSE",
        f"pairs_r{t}": f"pairs |r| > {t}",
        f"share_r{t}": f"% pairs |r| > {t}",
        "effective_rank": "effective rank",
        "effective_rank_share": "effective rank, % of D",
        "origin_mahalanobis": "origin Mahalanobis",
        "origin_percentile": "origin percentile",
    }
    n = len(rows)
    items = "".join(f"<li>{esc(s)}</li>" for s in summary_sentences(rows, pair_threshold))
    intro = f'<ul class="findings">{items}</ul>'
    intro += f'<p class="note">{n} model{"s" if n != 1 else ""}'
    intro += f" &middot; every column as a TSV: {table_link}</p>" if table_link else "</p>"
    body = intro + _section("Models", table(rows=shown, columns=main, headers=headers))

    share_keys = [f"share_r{_key(x)}" for x in thresholds]
    shares = _percent(rows, share_keys)
    body += _section(
        "Pairs above each threshold",
        table(
            shares,
            ["model", "latent_dim", *share_keys],
            {"latent_dim": "D", **{f"share_r{_key(x)}": f"% |r| > {_key(x)}" for x in thresholds}},
        ),
        "Pairs with |r| > t over all N vectors, in percent of all D(D-1)/2 component pairs, so models "
        "of different latent dimension compare. The TSV has the counts too (pairs_r<t>).",
    )
    gens = generators_of(rows)
    if gens:
        cov_cols = [f"inside_{g}" for g in gens] + [f"nn_ratio_{g}" for g in gens]
        cov_heads = {f"inside_{g}": f"% inside: {g}" for g in gens}
        cov_heads.update({f"nn_ratio_{g}": f"NN ratio: {g}" for g in gens})
        body += _section(
            "Statistical vectors against each model's cloud",
            table(_percent(rows, [f"inside_{g}" for g in gens]), ["model", *cov_cols], cov_heads),
            "inside: % of a generator's vectors within the real vectors' 99th-percentile Mahalanobis "
            "distance (real vectors: 99%). NN ratio: mean distance to the nearest real vector over the "
            f"real-to-real baseline (1 = as close as real vectors). {PRIOR} draws N(0, I).",
        )
    body += _section("Columns of the TSV", columns_html(list(MEANINGS)))
    return page("Models compared", body)


def write_comparison(
    models: dict, paths: dict, out_tsv: str, out_html: str, *, thresholds, pair_threshold: float
) -> list[dict]:
    """The comparison TSV (one row per model, in the order of ``models``, name -> merged settings)
    and its page; ``paths`` maps each name to its per-model files (keys PATH_KEYS). Returns the
    rows, every one with every column (NaN where a model lacks a number)."""
    rows = [model_row(name, models[name], paths[name], thresholds) for name in models]
    cols = columns_of(rows)
    rows = [{c: r.get(c, NAN) for c in cols} for r in rows]
    write_tsv(rows, out_tsv, columns=cols)
    write_text_atomic(out_html, comparison_html(rows, thresholds, pair_threshold, download_link(out_tsv)))
    return rows


def per_model(names, inputs: dict) -> dict:
    """Flat per-key lists of files in model order (a rule's inputs) -> name -> {key: file}."""
    names = list(names)
    lists = {k: [v] if isinstance(v, str) else list(v) for k, v in inputs.items()}
    for k, files in lists.items():
        if len(files) != len(names):
            raise ValueError(f"{len(files)} {k} files for {len(names)} models {names}")
    return {name: {k: files[i] for k, files in lists.items()} for i, name in enumerate(names)}
