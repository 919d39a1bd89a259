"""The explorer page (``report/explorer.html``): any pair, any point, its face, in one file.

Plotly draws it, with plotly.js inlined, so the page opens from disk with no network and no
server. The whole M-sample rides in the page as float32 (base64), and the browser computes the
scatter of whichever pair a heatmap cell selects from it, so every pair redraws at once. A point
of the sample shows its image and its reconstruction (JPEG thumbnail sprites of a seeded subset),
a generator's vector its decoded face. A second view projects the real vectors onto the whitened
(Mahalanobis) direction from the cloud's centre to the origin, and onto the first principal plane.

The decoder comes in as a function (``aelatent.nn.decode.decoder``): this module never imports
torch, so the page code reruns without the model code and the other way round.
"""

from __future__ import annotations

import base64
import io
import json
import math
import zlib
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ..io.atomic import atomic_path
from ..io.images import open_image_store
from ..io.latents import open_latents
from ..io.sample import load_sample
from ..io.seeds import rng
from ..io.tables import read_tsv
from ..plots.distributions import cluster_order
from ..stats.moments import Moments
from ..vectors.cloud import regularised_eigen
from ..vectors.uniform import uniform

SHEET_COLUMNS = 64  # thumbnails per row of a sprite (more when a sheet would be too tall for JPEG)
DECODE_BATCH = 256  # vectors per decoder call: the decoder's activations stay small
STRONGEST = 20  # pairs in the page's list of the strongest
# RdBu reversed (ColorBrewer), as the clustered heatmap figure: blue -1, white 0, red +1
RDBU = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7"]
RDBU += ["#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
EDGE = {"color": "black", "width": 2}
GENERATOR_COLOURS = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e"]


# ---- arrays -> what the page carries ----------------------------------------------------------


def thumbnail_images(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 (n, H, W, 3) -> (n, size, size, 3), box-filtered (a 2x2 mean at 64 -> 32)."""
    from PIL import Image

    if images.shape[1:3] == (size, size):
        return images
    out = np.empty((len(images), size, size, 3), np.uint8)
    for k, a in enumerate(images):
        out[k] = np.asarray(Image.fromarray(a).resize((size, size), Image.Resampling.BOX))
    return out


def sheet_geometry(n: int, size: int) -> tuple[int, int]:
    """(pitch, columns) of a sprite of ``n`` thumbnails: cells on a pitch that is a multiple of
    16, so no JPEG block (colour is subsampled in 16x16 blocks) spans two thumbnails."""
    pitch = -(-size // 16) * 16
    columns = max(SHEET_COLUMNS, int(np.ceil(np.sqrt(max(n, 1)))))
    return pitch, columns


def sprite(thumbs: np.ndarray, quality: int) -> bytes:
    """One JPEG of the thumbnails: cell k at column k % columns, row k // columns."""
    from PIL import Image

    n, size = len(thumbs), thumbs.shape[1]
    pitch, columns = sheet_geometry(n, size)
    rows = max(1, -(-n // columns))
    sheet = np.zeros((rows * pitch, columns * pitch, 3), np.uint8)
    for k, t in enumerate(thumbs):
        r, c = divmod(k, columns)
        sheet[r * pitch : r * pitch + size, c * pitch : c * pitch + size] = t
    buf = io.BytesIO()
    Image.fromarray(sheet).save(buf, "JPEG", quality=quality, subsampling=2)
    return buf.getvalue()


def decode_all(decode: Callable[[np.ndarray], np.ndarray], vectors: np.ndarray) -> np.ndarray:
    """``decode`` over ``vectors`` in batches."""
    parts = [decode(vectors[a : a + DECODE_BATCH]) for a in range(0, len(vectors), DECODE_BATCH)]
    return np.concatenate(parts) if parts else np.zeros((0, 1, 1, 3), np.uint8)


def origin_projection(sample: np.ndarray, mean: np.ndarray, cov: np.ndarray, floor: float) -> dict:
    """The real vectors and the origin in two views of the cloud.

    ``t``: each vector's coordinate along the whitened direction from the centre to the origin,
    ``u = W^T(0 - mean) / |W^T(0 - mean)|`` with ``W`` the whitening of the exact covariance
    (eigenvalues floored at ``floor`` of the largest, as every Mahalanobis distance here), so the
    real vectors spread with unit variance and the origin sits at its Mahalanobis distance ``t0``.
    ``pc``: coordinates in the first principal plane (centred, of the exact covariance), with the
    origin's projection ``pc_origin`` and its distance ``off_plane`` from that plane."""
    evals, evecs, _ = regularised_eigen(cov, floor)
    whiten = evecs / np.sqrt(evals)
    y0 = -mean @ whiten
    t0 = float(np.linalg.norm(y0))
    u = y0 / t0 if t0 > 0 else np.eye(len(mean))[0]
    t = (sample - mean) @ whiten @ u
    plane = evecs[:, ::-1][:, :2]
    pc_origin = -mean @ plane
    return {
        "t": t.astype(np.float32),
        "t0": t0,
        "direction": (whiten @ u).astype(np.float32),
        "pc": ((sample - mean) @ plane).astype(np.float32),
        "plane": plane,
        "pc_origin": [float(v) for v in pc_origin],
        "explained": [float(v / np.trace(cov)) for v in evals[::-1][:2]],
        "off_plane": float(np.sqrt(max(float(mean @ mean - pc_origin @ pc_origin), 0.0))),
        "centre_norm": float(np.linalg.norm(mean)),
        "beyond": float((t < t0).mean() * 100),
    }


def strongest_pairs(corr: np.ndarray, sample: np.ndarray, n: int) -> list[list]:
    """The ``n`` pairs of largest |r| over all vectors: [i, j, r over all N, r over the sample]."""
    c = np.nan_to_num(corr)
    i, j = np.triu_indices(len(c), k=1)
    top = np.argsort(-np.abs(c[i, j]), kind="stable")[:n]
    out = []
    for k in top:
        a, b = int(i[k]), int(j[k])
        r_m = float(np.nan_to_num(np.corrcoef(sample[:, a], sample[:, b])[0, 1]))
        out.append([a, b, float(c[a, b]), r_m])
    return out


# ---- the page -----------------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def pack(a: np.ndarray) -> bytes:
    """A little-endian array as the page carries it: its bytes grouped by their place in each
    number (the signs and exponents together, as blosc's shuffle does), then deflated (zlib),
    which takes about 15% off float32 latents; the page inflates it with DecompressionStream."""
    a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
    planes = a.reshape(-1).view(np.uint8).reshape(-1, a.dtype.itemsize).T
    return zlib.compress(np.ascontiguousarray(planes).tobytes(), 6)


def unpack(raw: bytes, dtype: str) -> np.ndarray:
    """The inverse of ``pack`` (flat), as the page does it."""
    size = np.dtype(dtype).itemsize
    planes = np.frombuffer(zlib.decompress(raw), np.uint8).reshape(size, -1)
    return np.ascontiguousarray(planes.T).view(np.dtype(dtype).newbyteorder("<")).reshape(-1)


def _json(x) -> str:
    # inside <script>: no "</" may end the element early
    return json.dumps(x, separators=(",", ":")).replace("</", "<\\/")


def _title(text: str = "") -> dict:
    # left-aligned, clear of the mode bar on the right
    return {"text": text, "x": 0.01, "xanchor": "left", "font": {"size": 13}}


def _layouts(d: dict) -> dict:
    """The four figures' layouts, validated by plotly's own figure classes."""
    dim, proj = d["dim"], d["projection"]
    labels = [str(k) for k in d["order"]]
    dominant = set(d["dominant"])
    if dim <= 48:
        ticks = labels
        text = [f"<b>{k}</b>" if int(k) in dominant else k for k in labels]
    else:
        # dominant components named where a label fits (about 10 px a label on a ~460 px axis);
        # the bars along the edges mark every one
        gap, ticks, last = math.ceil(dim * 10 / 460), [], -dim
        for k, name in enumerate(labels):
            if int(name) in dominant and k - last >= gap:
                ticks.append(name)
                last = k
        text = ticks
    axis = {"type": "category", "tickvals": ticks, "ticktext": text, "showgrid": False}
    axis |= {"tickfont": {"size": 9 if len(ticks) <= 32 else 7}, "zeroline": False}
    small = {"font": {"size": 11}}
    heatmap = go.Layout(
        width=520,
        height=540,
        margin={"l": 50, "r": 6, "t": 40, "b": 50},
        title=_title(f"Correlation over all {d['n']} vectors, clustered order"),
        xaxis={**axis, "title": {"text": "component: x of the scatter", **small}},
        yaxis={**axis, "autorange": "reversed", "title": {"text": "component: y of the scatter", **small}},
    )
    scatter = go.Layout(
        width=560,
        height=560,
        margin={"l": 56, "r": 8, "t": 40, "b": 40},
        hovermode="closest",
        uirevision="explorer",
        legend={"font": {"size": 10}, "orientation": "h", "y": -0.15, "x": 0, "yanchor": "top"},
        xaxis={"zeroline": False},
        yaxis={"zeroline": False},
        title=_title(),
    )
    t, t0, ts = proj["t"], proj["t0"], d["special_t"]
    lo, hi = min(float(t.min()), 0.0, ts), max(float(t.max()), t0, ts)
    pad = 0.04 * (hi - lo)

    def marked(x, text, colour, dash, y):
        line = {"type": "line", "yref": "paper", "y0": 0, "y1": y, "x0": x, "x1": x}
        note = {"x": x, "y": y, "yref": "paper", "text": text, "showarrow": False, "yanchor": "bottom"}
        note |= {"xanchor": "right" if x > lo + 0.6 * (hi - lo) else "left", "font": {"size": 11}}
        return {**line, "line": {"color": colour, "width": 2, "dash": dash}}, note

    origin = marked(t0, f"origin: t = {t0:.2f}", "black", "dash", 1.0)
    special = marked(ts, f"image {d['special']['index']}", "#c44e52", "dot", 0.8)
    projection = go.Layout(
        width=560,
        height=420,
        margin={"l": 56, "r": 8, "t": 46, "b": 70},
        bargap=0.02,
        showlegend=False,
        title=_title("Along the whitened direction from the centre to the origin"),
        xaxis={"range": [lo - pad, hi + pad], "title": {"text": "t (Mahalanobis units, centre at 0)"}},
        yaxis={"title": {"text": "sampled real vectors"}},
        shapes=[origin[0], special[0]],
        annotations=[origin[1], special[1]],
    )
    ex = proj["explained"]
    plane = go.Layout(
        width=560,
        height=420,
        margin={"l": 56, "r": 8, "t": 46, "b": 70},
        hovermode="closest",
        legend={"font": {"size": 10}, "orientation": "h", "y": -0.2, "x": 0, "yanchor": "top"},
        title=_title("The cloud in its first principal plane"),
        xaxis={"title": {"text": f"PC 1 ({ex[0]:.1%} of the variance)"}, "zeroline": False},
        yaxis={"title": {"text": f"PC 2 ({ex[1]:.1%})"}, "zeroline": False, "scaleanchor": "x"},
    )
    return {
        "heatmap": heatmap.to_plotly_json(),
        "scatter": scatter.to_plotly_json(),
        "projection": projection.to_plotly_json(),
        "plane": plane.to_plotly_json(),
    }


def _traces(d: dict) -> dict:
    """Trace styles (the page fills in the coordinates), validated by plotly's trace classes."""
    pts = {"mode": "markers", "hoverlabel": {"font": {"size": 11}}}

    def tr(**kw):
        return go.Scattergl(**pts, **kw).to_plotly_json()

    gens = [
        tr(
            name=f"{g['name']} ({g['count']})",
            meta="generator",
            marker={"size": 5, "color": GENERATOR_COLOURS[k % len(GENERATOR_COLOURS)], "opacity": 0.8},
            hovertemplate=f"{g['name']} vector %{{pointNumber}}<extra></extra>",
            visible="legendonly",
        )
        for k, g in enumerate(d["generators"])
    ]
    return {
        "heatmap": go.Heatmap(
            colorscale=[[k / (len(RDBU) - 1), c] for k, c in enumerate(RDBU)],
            zmin=-1,
            zmax=1,
            colorbar={"thickness": 12, "len": 0.8},
            hovertemplate="x: component %{x}<br>y: component %{y}<br>r = %{z:.3f}<extra></extra>",
        ).to_plotly_json(),
        "sample": tr(
            name=f"{d['m']} real z-points",
            meta="sample",
            marker={"size": 3, "color": "#4c72b0", "opacity": 0.55},
            hovertemplate="image %{customdata}<br>(%{x:.3f}, %{y:.3f})<extra></extra>",
        ),
        "uniform": tr(
            meta="uniform",
            marker={"size": 5, "color": "#dd8452", "symbol": "diamond", "opacity": 0.85},
            hovertemplate="uniform vector %{pointNumber}<extra></extra>",
        ),
        "generators": gens,
        "centre": tr(
            name="centre of the cloud",
            meta="centre",
            marker={"size": 11, "color": "white", "symbol": "diamond", "line": EDGE},
            hovertemplate="the cloud's centre (mean over all vectors)<extra></extra>",
        ),
        "special": tr(
            name=f"image {d['special']['index']}",
            meta="special",
            marker={"size": 16, "color": "#c44e52", "symbol": "star", "line": {"color": "black", "width": 1}},
            hovertemplate=f"image {d['special']['index']} (figures.special_index)<extra></extra>",
        ),
        "origin": tr(
            name="origin",
            meta="origin",
            marker={"size": 14, "color": "black", "symbol": "x"},
            hovertemplate="the origin<extra></extra>",
        ),
        "histogram": go.Histogram(
            nbinsx=60,
            marker={"color": "#4c72b0"},
            hovertemplate="t in %{x}: %{y} vectors<extra></extra>",
        ).to_plotly_json(),
    }


def page(d: dict) -> str:
    """The self-contained HTML of the explorer for the data ``d`` (see ``explorer_data``)."""
    proj = d["projection"]
    spec = {
        k: d[k]
        for k in (
            "title",
            "n",
            "m",
            "dim",
            "index",
            "order",
            "dominant",
            "pairs",
            "mean",
            "special",
            "b",
            "thumbs",
            "generators",
            "uniform_count",
        )
    }
    spec["projection"] = {k: proj[k] for k in ("t0", "pc_origin", "explained", "off_plane", "beyond")}
    spec["projection"] |= {"special_t": d["special_t"], "special_pc": d["special_pc"]}
    spec["layouts"], spec["traces"] = _layouts(d), _traces(d)
    blocks = {
        "z": d["sample"].astype("<f4"),
        "corr": d["corr_ordered"].astype("<f2"),
        "uniform": d["uniform"].astype("<f4"),
        "vectors": d["vectors"].astype("<f2"),
        "t": proj["t"].astype("<f4"),
        "pc": proj["pc"].astype("<f4"),
    }
    data = "\n".join(
        f'<script type="application/octet-stream" id="d-{k}" data-dtype="{v.dtype.str[1:]}">'
        f"{b64(pack(v))}</script>"
        for k, v in blocks.items()
    )
    p = proj
    return TEMPLATE.format(
        title=d["title"],
        css=CSS,
        plotly=get_plotlyjs(),
        spec=_json(spec),
        data=data,
        sprite=b64(d["sprite"]),
        js=JS,
        m=d["m"],
        n=d["n"],
        k=d["thumbs"]["count"],
        t0=f"{p['t0']:.2f}",
        beyond=f"{p['beyond']:.1f}",
        norm=f"{p['centre_norm']:.2f}",
        off=f"{p['off_plane']:.2f}",
    )


# ---- files -> data -> page ----------------------------------------------------------------------


def explorer_data(
    sample: tuple[np.ndarray, np.ndarray],
    corr: np.ndarray,
    components: list[dict],
    moments: Moments,
    images: Callable[[np.ndarray], np.ndarray],
    special: tuple[int, np.ndarray],
    vectors: dict[str, np.ndarray],
    decode: Callable[[np.ndarray], np.ndarray],
    *,
    n: int,
    b_values: list[float],
    seed: int,
    eigen_floor: float,
    thumbnails: int,
    thumb_size: int,
    jpeg_quality: int,
    uniform_points: int,
    vector_points: int,
    title: str,
) -> dict:
    """Everything the page shows, from arrays: ``sample`` (index, z), ``images(rows)`` the stored
    images of those rows, ``special`` (its index, its z), ``vectors`` each generator's vectors,
    ``decode`` latent vectors to uint8 images."""
    index, z = sample
    m, dim = z.shape
    order = cluster_order(corr)
    pick = np.sort(rng(seed, "explorer:thumbnails").choice(m, size=min(thumbnails, m), replace=False))
    k = len(pick)
    sp_index, sp_z = special
    shown = {g: v[:vector_points] for g, v in vectors.items()}
    faces = images(np.concatenate([index[pick], [sp_index]]).astype(np.int64))
    decoded = decode_all(decode, np.concatenate([z[pick], sp_z[None], *shown.values()]).astype(np.float32))
    size = min(thumb_size, faces.shape[1])
    # cells: the k images, their k reconstructions, the special image and its reconstruction,
    # then every generator's decoded vectors
    cells = np.concatenate([faces[:k], decoded[:k], faces[k:], decoded[k:]])
    thumbs = thumbnail_images(cells, size)
    pitch, columns = sheet_geometry(len(thumbs), size)
    image_cell = np.full(m, -1, np.int64)
    image_cell[pick] = np.arange(k)
    recon_cell = np.where(image_cell >= 0, image_cell + k, -1)
    generators, start = [], 2 * k + 2
    for g, v in shown.items():
        generators.append({"name": g, "count": len(v), "cell": start})
        start += len(v)
    proj = origin_projection(z.astype(np.float64), moments.mean, moments.cov(), eigen_floor)
    sp_pc = (sp_z - moments.mean) @ proj["plane"]
    top = strongest_pairs(corr, z, STRONGEST)
    b_max = max(5.0, 1.25 * max(b_values))
    return {
        "title": title,
        "n": int(n),
        "m": int(m),
        "dim": int(dim),
        "index": [int(i) for i in index],
        "order": [int(i) for i in order],
        "dominant": [int(r["index"]) for r in components if r["dominant"]],
        "pairs": top,
        "mean": [float(v) for v in moments.mean],
        "special": {
            "index": int(sp_index),
            "z": [float(v) for v in sp_z],
            "image": 2 * k,
            "recon": 2 * k + 1,
        },
        "b": {"value": float(b_values[0]), "presets": [float(b) for b in b_values], "max": b_max},
        "thumbs": {
            "size": int(size),
            "pitch": int(pitch),
            "columns": int(columns),
            "count": int(k),
            "image": image_cell.tolist(),
            "recon": recon_cell.tolist(),
        },
        "generators": generators,
        "uniform_count": int(uniform_points),
        "sample": z.astype(np.float32),
        "corr_ordered": np.nan_to_num(corr[np.ix_(order, order)]).astype(np.float32),
        "uniform": uniform(uniform_points, dim, 1.0, rng(seed, "explorer:uniform")).astype(np.float32),
        "vectors": (
            np.concatenate(list(shown.values())).astype(np.float32)
            if shown
            else np.zeros((0, dim), np.float32)
        ),
        "sprite": sprite(thumbs, jpeg_quality),
        "projection": proj,
        "special_t": float((sp_z - moments.mean) @ proj["direction"]),
        "special_pc": [float(v) for v in sp_pc],
    }


def explorer(
    sample_path,
    components_path,
    moments_path,
    latents_path,
    images_path,
    vector_paths: dict[str, str],
    out,
    *,
    decode: Callable[[np.ndarray], np.ndarray],
    special_index: int,
    **settings,
) -> None:
    """Read the run's files, write ``out``: the explorer page of one model. The correlation
    matrix is the moments' (what correlations writes as corr.npy)."""
    moments = Moments.load(moments_path)
    latents = open_latents(latents_path)
    n = latents.shape[0]
    special = special_index % n
    store = open_image_store(images_path)["images"]
    d = explorer_data(
        load_sample(sample_path),
        moments.corr(),
        read_tsv(components_path),
        moments,
        lambda rows: store[rows],
        (special, np.asarray(latents[special], np.float32)),
        {g: np.load(p) for g, p in vector_paths.items()},
        decode,
        n=n,
        **settings,
    )
    with atomic_path(out) as tmp:
        tmp.write_text(page(d), encoding="utf-8")


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 14px;
       color: #1f2328; margin: 14px 18px; line-height: 1.4; }
h1 { font-size: 19px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 18px 0 4px; }
p.note { color: #57606a; font-size: 12.5px; margin: 3px 0; max-width: 1250px; }
.row { display: flex; gap: 14px; flex-wrap: wrap; align-items: flex-start; }
.controls { font-size: 13px; margin: 2px 0 4px; display: flex; gap: 10px; flex-wrap: wrap;
            align-items: center; }
.controls input[type=number] { width: 4.5em; } .controls select { max-width: 15em; }
#panel { width: 214px; font-size: 13px; border: 1px solid #d0d7de; border-radius: 6px;
         padding: 8px 10px; position: sticky; top: 8px; }
#panel canvas { width: 96px; height: 96px; image-rendering: pixelated; background: #eee;
                border: 1px solid #d0d7de; }
#panel figure { display: inline-block; margin: 4px 6px 0 0; text-align: center; }
#panel figcaption { font-size: 11.5px; color: #57606a; }
#shown-title { font-weight: 600; } #shown-note { color: #57606a; font-size: 12px; margin-top: 4px; }
.nowrap { white-space: nowrap; } #b { width: 120px; vertical-align: middle; }
#status { color: #bc4c00; font-size: 12.5px; min-height: 1.2em; }
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Latent explorer: {title}</title>
<style>{css}</style>
<script>window.explorerMarks = {{ head: performance.now() }};</script>
<script>{plotly}</script>
<script>window.explorerMarks.plotly = performance.now();</script>
</head><body>
<h1>Latent explorer: {title}</h1>
<p class="note">Click a cell of the correlation matrix to plot that pair of components for the
{m} sampled real vectors (of {n}), with the origin, the cloud's centre, image
<span class="special-index"></span> (the special image), uniform vectors in [-b, b] for the b of
the slider, and each generator's vectors (click its legend entry). Hover over or click a point to
see its image and its reconstruction ({k} of the {m} points carry thumbnails) or a generator
vector's decoded face. Bars along the matrix's edges mark the dominant components (named where
a label fits). Drag to zoom, double-click to reset.</p>
<div class="row">
  <div id="heatmap"></div>
  <div style="width: 560px">
    <div class="controls">
      <label>pair <select id="pairs"></select></label>
      <label>x <input id="pi" type="number" min="0"></label>
      <label>y <input id="pj" type="number" min="0"></label>
      <button id="go">plot</button>
      <span class="nowrap"><label>uniform: b <input id="b" type="range" min="0.05" step="0.05"></label>
      <span id="bval"></span> <span id="bpresets"></span></span>
    </div>
    <div id="status"></div>
    <div id="scatter"></div>
  </div>
  <div id="panel">
    <div id="shown-title">Hover over a point</div>
    <figure><canvas id="thumb-image"></canvas><figcaption id="cap-image">image</figcaption></figure>
    <figure><canvas id="thumb-recon"></canvas><figcaption id="cap-recon">reconstruction</figcaption></figure>
    <div id="shown-note"></div>
  </div>
</div>
<h2>Where the origin lies</h2>
<p class="note">Left: every sampled real vector's coordinate along the direction from the cloud's
centre to the origin, measured in the whitened (Mahalanobis) metric of the exact covariance, so the
real vectors spread with unit variance along it; the origin sits at its Mahalanobis distance
t = {t0}, beyond {beyond}% of them. Right: the cloud in its first principal plane; the origin is
{norm} from the centre, {off} of it off this plane.</p>
<div class="row"><div id="projection"></div><div id="plane"></div></div>
<img id="sprite" alt="" hidden src="data:image/jpeg;base64,{sprite}">
<script type="application/json" id="spec">{spec}</script>
{data}
<script>{js}</script>
</body></html>
"""

# The page's code: decode the embedded arrays, draw the four figures, wire the events. Timings
# (performance.now(), ms since navigation start) land in window.explorer.timings.
JS = r"""
(function () {
  "use strict";
  const spec = JSON.parse(document.getElementById("spec").textContent);
  const timings = Object.assign({ redraws: [], script: performance.now() }, window.explorerMarks);
  const api = { spec: spec, timings: timings, state: {}, shown: null, pinned: null };
  window.explorer = api;
  const M = spec.m, D = spec.dim;

  // ---- the embedded arrays: base64 of deflated, byte-shuffled little-endian numbers (see pack)
  function bytes(s) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(s);
    const raw = atob(s), out = new Uint8Array(raw.length);
    for (let k = 0; k < raw.length; k++) out[k] = raw.charCodeAt(k);
    return out;
  }
  // resolves to a Float32Array of the block's numbers (float16 widened)
  function array(id) {
    const el = document.getElementById("d-" + id), size = el.dataset.dtype === "f2" ? 2 : 4;
    const stream = new Blob([bytes(el.textContent.trim())]).stream()
      .pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buf) {
      const planes = new Uint8Array(buf), n = planes.length / size, out = new Uint8Array(planes.length);
      for (let b = 0; b < size; b++) {
        const base = b * n;
        for (let r = 0; r < n; r++) out[r * size + b] = planes[base + r];
      }
      return size === 4 ? new Float32Array(out.buffer) : widen(new Uint16Array(out.buffer));
    });
  }
  function half(h) {
    const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
    if (e === 0) return s * f * Math.pow(2, -24);
    if (e === 31) return f ? NaN : s * Infinity;
    return s * (1 + f / 1024) * Math.pow(2, e - 15);
  }
  function widen(u) {
    const out = new Float32Array(u.length);
    for (let k = 0; k < u.length; k++) out[k] = half(u[k]);
    return out;
  }
  // column k of a row-major (rows, D) array, times scale
  function column(A, rows, k, scale) {
    const c = new Float32Array(rows);
    if (scale === undefined) {
      for (let r = 0; r < rows; r++) c[r] = A[r * D + k];
    } else {
      for (let r = 0; r < rows; r++) c[r] = scale * A[r * D + k];
    }
    return c;
  }
  function frame() {
    return new Promise(function (ok) { requestAnimationFrame(function () { ok(); }); });
  }
  function copy(x) { return JSON.parse(JSON.stringify(x)); }
  function signed(v) { return (v >= 0 ? "+" : "") + v.toFixed(2); }

  // WebGL draws thousands of points fast; SVG where a browser has none (slower, same page)
  const hasGL = (function () {
    try {
      const c = document.createElement("canvas");
      return !!(c.getContext("webgl2") || c.getContext("webgl"));
    } catch (e) { return false; }
  })();
  const POINTS = hasGL ? "scattergl" : "scatter";
  api.pointsType = POINTS;
  function points(style, x, y, extra) {
    return Object.assign(copy(style), { type: POINTS, x: x, y: y }, extra || {});
  }
  const config = { displaylogo: false, responsive: false,
                   modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };
  const heat = document.getElementById("heatmap"), sc = document.getElementById("scatter");
  const proj = document.getElementById("projection"), plane = document.getElementById("plane");
  const status = document.getElementById("status");
  const L = spec.layouts, TR = spec.traces;

  // ---- 1. the correlation matrix, drawn first
  const labels = spec.order.map(String);
  const position = {};
  spec.order.forEach(function (c, k) { position[c] = k; });
  let corr;  // (D, D) in clustered order
  function r(i, j) { return corr[position[j] * D + position[i]]; }
  const marks = [];  // the dominant components: bars along the top and the left edge
  spec.dominant.forEach(function (c) {
    const p = position[c], st = { type: "rect", line: { width: 0 }, fillcolor: "#111" };
    marks.push(Object.assign({ xref: "x", yref: "paper", x0: p - 0.5, x1: p + 0.5, y0: 1, y1: 1.015 }, st));
    marks.push(Object.assign({ xref: "paper", yref: "y", x0: -0.015, x1: 0, y0: p - 0.5, y1: p + 0.5 }, st));
  });
  function heatShapes(i, j) {
    function box(a, b, dash) {
      return { type: "rect", xref: "x", yref: "y", x0: position[a] - 0.5, x1: position[a] + 0.5,
               y0: position[b] - 0.5, y1: position[b] + 0.5, fillcolor: "rgba(0,0,0,0)",
               line: { color: "black", width: 2, dash: dash } };
    }
    return marks.concat([box(i, j, "solid"), box(j, i, "dot")]);
  }
  const first = spec.pairs.length ? spec.pairs[0] : [0, Math.min(1, D - 1)];
  api.state = { i: first[0], j: first[1], b: spec.b.value };
  const heatLayout = Object.assign(copy(L.heatmap), { shapes: heatShapes(api.state.i, api.state.j) });
  const drawn = array("corr").then(function (c) {
    corr = c;
    timings.corr = performance.now();
    const zrows = [];
    for (let k = 0; k < D; k++) zrows.push(corr.subarray(k * D, (k + 1) * D));
    const heatTrace = Object.assign(copy(TR.heatmap), { x: labels, y: labels, z: zrows });
    return Plotly.newPlot(heat, [heatTrace], heatLayout, config);
  }).then(frame).then(function () {
    timings.first = performance.now();
  });

  // ---- 2. the pair scatter, computed here from the embedded sample
  let Z, U, V, T, PC, parts;
  // inflated once the matrix is drawn: the first figure waits for nothing else
  const decoded = drawn.then(function () {
    return Promise.all(["z", "uniform", "vectors", "t", "pc"].map(array));
  }).then(function (a) {
    Z = a[0]; U = a[1]; V = a[2]; T = a[3]; PC = a[4];
    let offset = 0;
    parts = spec.generators.map(function (g) {
      const part = V.subarray(offset * D, (offset + g.count) * D);
      offset += g.count;
      return part;
    });
  });
  const NU = spec.uniform_count, mean = spec.mean, sz = spec.special.z, customdata = spec.index;
  const UNIFORM = 1;  // trace order: sample, uniform, generators..., centre, special, origin
  function uniformName(b) { return NU + " uniform vectors in [-" + b + ", " + b + "]"; }
  // every trace's coordinates for the pair (i, j), in trace order
  function pairXY(i, j) {
    const b = api.state.b;
    const x = [column(Z, M, i), column(U, NU, i, b)], y = [column(Z, M, j), column(U, NU, j, b)];
    spec.generators.forEach(function (g, k) {
      x.push(column(parts[k], g.count, i)); y.push(column(parts[k], g.count, j));
    });
    x.push([mean[i]], [sz[i]], [0]); y.push([mean[j]], [sz[j]], [0]);
    return { x: x, y: y };
  }
  const drawnFor = {};  // trace -> the pair its coordinates are of
  function catchUp() {
    const i = api.state.i, j = api.state.j, stale = [];
    sc.data.forEach(function (t, k) {
      if (t.visible !== "legendonly" && drawnFor[k] !== i + "," + j) stale.push(k);
    });
    if (!stale.length) return;
    const xy = pairXY(i, j);
    stale.forEach(function (k) { drawnFor[k] = i + "," + j; });
    Plotly.restyle(sc, { x: stale.map(function (k) { return xy.x[k]; }),
                         y: stale.map(function (k) { return xy.y[k]; }) }, stale);
  }
  function pairTraces(i, j) {
    const xy = pairXY(i, j), styles = [TR.sample, TR.uniform].concat(TR.generators);
    styles.push(TR.centre, TR.special, TR.origin);
    return styles.map(function (st, k) {
      let extra = {};
      if (k === 0) extra = { customdata: customdata };
      if (k === UNIFORM) extra = { name: uniformName(api.state.b) };
      return points(st, xy.x[k], xy.y[k], extra);
    });
  }
  function titles(i, j) {
    return { "title.text": "z[" + i + "] vs z[" + j + "]: r = " + signed(r(i, j)) + " over all " + spec.n,
             "xaxis.title.text": "component " + i, "yaxis.title.text": "component " + j };
  }
  function setControls() {
    document.getElementById("pi").value = api.state.i;
    document.getElementById("pj").value = api.state.j;
    const k = spec.pairs.findIndex(function (q) { return q[0] === api.state.i && q[1] === api.state.j; });
    document.getElementById("pairs").value = k >= 0 ? String(k) : "";
    document.getElementById("bval").textContent = "= " + api.state.b.toFixed(2);
    document.getElementById("b").value = api.state.b;
  }
  // select a pair: the scatter of components i (x) and j (y), its cell marked; resolves to the ms
  api.selectPair = function (i, j) {
    i = Number(i); j = Number(j);
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= D || j >= D || i === j) {
      status.textContent = "choose two different components in 0.." + (D - 1);
      return Promise.resolve(null);
    }
    if (!sc.data) return scatterDrawn.then(function () { return api.selectPair(i, j); });
    status.textContent = "";
    const t = performance.now();
    api.state.i = i; api.state.j = j;
    setControls();
    const layout = Object.assign(titles(i, j), { "xaxis.autorange": true, "yaxis.autorange": true });
    // only the traces shown: a hidden generator's catches up when its legend entry shows it
    const xy = pairXY(i, j), shown = [];
    sc.data.forEach(function (t, k) { if (t.visible !== "legendonly") shown.push(k); });
    shown.forEach(function (k) { drawnFor[k] = i + "," + j; });
    const update = { x: shown.map(function (k) { return xy.x[k]; }),
                     y: shown.map(function (k) { return xy.y[k]; }) };
    return Promise.all([
      Plotly.update(sc, update, layout, shown),
      Plotly.relayout(heat, { shapes: heatShapes(i, j) }),
    ]).then(frame).then(function () {
      const dt = performance.now() - t;
      timings.redraw = dt; timings.redraws.push(dt);
      return dt;
    });
  };
  api.setB = function (b) {
    if (!sc.data) return scatterDrawn.then(function () { return api.setB(b); });
    api.state.b = Number(b);
    setControls();
    const t = performance.now(), i = api.state.i, j = api.state.j, bb = api.state.b;
    const update = { x: [column(U, NU, i, bb)], y: [column(U, NU, j, bb)], name: uniformName(bb) };
    return Plotly.restyle(sc, update, [UNIFORM]).then(frame).then(function () {
      timings.slider = performance.now() - t;
    });
  };

  // ---- 3. the thumbnails: cells of one JPEG sprite, drawn into two canvases
  const sprite = document.getElementById("sprite"), TH = spec.thumbs;
  const canvases = ["thumb-image", "thumb-recon"].map(function (id) {
    const c = document.getElementById(id);
    c.width = TH.size; c.height = TH.size;
    return c;
  });
  const loaded = sprite.decode ? sprite.decode().catch(function () {}) : Promise.resolve();
  api.thumbsReady = function () { return loaded; };
  function draw(canvas, cell) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    canvas.dataset.cell = cell;
    if (cell < 0) return;
    const sx = (cell % TH.columns) * TH.pitch, sy = Math.floor(cell / TH.columns) * TH.pitch;
    loaded.then(function () {
      if (Number(canvas.dataset.cell) !== cell) return;
      ctx.drawImage(sprite, sx, sy, TH.size, TH.size, 0, 0, TH.size, TH.size);
    });
  }
  function show(kind, k) {
    const title = document.getElementById("shown-title"), note = document.getElementById("shown-note");
    const caps = [document.getElementById("cap-image"), document.getElementById("cap-recon")];
    const i = api.state.i, j = api.state.j;
    let cells = [-1, -1], text = "", extra = "", index = null;
    caps[0].textContent = "image"; caps[1].textContent = "reconstruction";
    if (kind === "sample") {
      index = spec.index[k];
      cells = [TH.image[k], TH.recon[k]];
      text = "image " + index;
      extra = "z[" + i + "] = " + Z[k * D + i].toFixed(3) + ", z[" + j + "] = " + Z[k * D + j].toFixed(3) +
              "; t = " + T[k].toFixed(2);
      if (cells[0] < 0) extra += "; no thumbnail (" + TH.count + " of the " + M + " points carry one)";
    } else if (kind === "special") {
      index = spec.special.index;
      cells = [spec.special.image, spec.special.recon];
      text = "image " + index + " (the special image)";
    } else if (kind === "generator") {
      const g = spec.generators[k.trace];
      cells = [g.cell + k.point, -1];
      caps[0].textContent = "decoded"; caps[1].textContent = "";
      text = g.name + " vector " + k.point;
    } else {
      text = kind === "uniform" ? "uniform vector " + k + " (not decoded)" : "the " + kind;
    }
    draw(canvases[0], cells[0]); draw(canvases[1], cells[1]);
    title.textContent = text;
    title.dataset.index = index === null ? "" : index;
    note.textContent = extra;
    api.shown = { kind: kind, row: kind === "sample" ? k : null, index: index, cells: cells };
  }
  function pointOf(ev) {
    const p = ev.points[0], kind = p.data.meta;
    if (kind === "generator") {
      const trace = spec.traces.generators.findIndex(function (t) { return t.name === p.data.name; });
      return [kind, { trace: trace, point: p.pointIndex }];
    }
    return [kind, p.pointIndex];
  }
  function wire(gd) {
    gd.on("plotly_hover", function (ev) { const q = pointOf(ev); show(q[0], q[1]); });
    gd.on("plotly_unhover", function () { if (api.pinned) show(api.pinned[0], api.pinned[1]); });
    gd.on("plotly_click", function (ev) { api.pinned = pointOf(ev); show(api.pinned[0], api.pinned[1]); });
  }

  // ---- 4. where the origin lies
  const PLANE_SAMPLE = { customdata: customdata, hovertemplate: "image %{customdata}<extra></extra>" };
  function drawProjection() {
    const P = spec.projection, pcx = new Float32Array(M), pcy = new Float32Array(M);
    for (let k = 0; k < M; k++) { pcx[k] = PC[2 * k]; pcy[k] = PC[2 * k + 1]; }
    const planeData = [
      points(TR.sample, pcx, pcy, PLANE_SAMPLE),
      points(TR.centre, [0], [0]),
      points(TR.special, [P.special_pc[0]], [P.special_pc[1]]),
      points(TR.origin, [P.pc_origin[0]], [P.pc_origin[1]]),
    ];
    return Promise.all([
      Plotly.newPlot(proj, [Object.assign(copy(TR.histogram), { x: T })], copy(L.projection), config),
      Plotly.newPlot(plane, planeData, copy(L.plane), config),
    ]);
  }

  // ---- controls
  document.querySelectorAll(".special-index").forEach(function (e) { e.textContent = spec.special.index; });
  const select = document.getElementById("pairs");
  select.add(new Option("strongest pairs", ""));
  spec.pairs.forEach(function (q, k) {
    select.add(new Option(q[0] + " - " + q[1] + ": r = " + signed(q[2]), String(k)));
  });
  select.addEventListener("change", function () {
    if (select.value !== "") api.selectPair(spec.pairs[+select.value][0], spec.pairs[+select.value][1]);
  });
  ["pi", "pj"].forEach(function (id) { document.getElementById(id).max = D - 1; });
  document.getElementById("go").addEventListener("click", function () {
    api.selectPair(document.getElementById("pi").value, document.getElementById("pj").value);
  });
  const slider = document.getElementById("b"), presets = document.getElementById("bpresets");
  slider.max = spec.b.max;
  slider.addEventListener("input", function () { api.setB(slider.value); });
  spec.b.presets.forEach(function (b) {
    const button = document.createElement("button");
    button.textContent = "b = " + b;
    button.addEventListener("click", function () { api.setB(b); });
    presets.appendChild(button);
  });
  setControls();

  const scatterDrawn = decoded.then(function () {
    heat.on("plotly_click", function (ev) {
      const i = Number(ev.points[0].x), j = Number(ev.points[0].y);
      if (i === j) { status.textContent = "a diagonal cell: choose two different components"; return; }
      api.selectPair(i, j);
    });
    const i = api.state.i, j = api.state.j, layout = copy(L.scatter);
    layout.title.text = titles(i, j)["title.text"];
    layout.xaxis.title = { text: "component " + i };
    layout.yaxis.title = { text: "component " + j };
    return Plotly.newPlot(sc, pairTraces(i, j), layout, config);
  }).then(frame).then(function () {
    timings.scatter = performance.now();
    sc.data.forEach(function (t, k) { drawnFor[k] = api.state.i + "," + api.state.j; });
    sc.on("plotly_restyle", function (ev) { if (ev[0] && "visible" in ev[0]) catchUp(); });
    wire(sc);
  });
  scatterDrawn.then(function () {
    return drawProjection();
  }).then(function () {
    wire(plane);
    return frame();
  }).then(function () {
    timings.ready = performance.now();
    document.body.dataset.ready = "1";
  }).catch(function (e) {
    status.textContent = "the page failed to draw: " + e;
    timings.error = String(e);
  });
})();
"""
