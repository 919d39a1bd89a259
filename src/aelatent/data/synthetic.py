"""Procedural face images drawn with numpy: a stand-in for CelebA with known generative factors.

Every image is a pure function of its factor row, and the factor rows come from one seeded
generator, so a chunk can be rendered anywhere (any thread, any order) and the bytes match.
Rendering works on a whole batch at once: each pixel gets a layer label (background, hair, skin,
eye white, iris, mouth, ...), a per-image palette turns labels into colours, and a lighting field
shades the result; a 2x2 box filter softens the edges.
"""

from __future__ import annotations

import numpy as np

from ..io.seeds import rng as seeded

FACTOR_NAMES = (
    "head_size",
    "head_x",
    "head_y",
    "face_aspect",
    "skin_tone",
    "hair_colour",
    "hair_length",
    "eye_spacing",
    "eye_size",
    "mouth_curvature",
    "background_hue",
    "light_angle",
)

# Layer labels, in painting order (a later layer covers an earlier one).
_BG, _HAIR, _SKIN, _BROW, _WHITE, _IRIS, _MOUTH, _NOSE = range(8)
_N_LAYERS = 8


def sample_factors(n: int, seed: int) -> np.ndarray:
    """Draw ``n`` factor rows, each factor independent and uniform in [0, 1)."""
    rng = seeded(seed, "synthetic_factors")
    return rng.random((n, len(FACTOR_NAMES)), dtype=np.float64).astype(np.float32)


def _hue_to_rgb(h: np.ndarray) -> np.ndarray:
    """Saturated colour wheel, h in [0, 1) -> (n, 3) in [0, 1]."""
    k = (h[:, None] * 6.0 + np.array([5.0, 3.0, 1.0])) % 6.0
    return 1.0 - np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)


def _palette(f: np.ndarray) -> np.ndarray:
    """Per-image colour of every layer, shape (n, layers, 3), float32 in [0, 1]."""
    n = f.shape[0]
    pal = np.empty((n, _N_LAYERS, 3), dtype=np.float32)
    light_skin, dark_skin = np.array([0.98, 0.82, 0.70]), np.array([0.40, 0.25, 0.16])
    t = f[:, 4:5]
    skin = light_skin * (1 - t) + dark_skin * t
    blond, black = np.array([0.90, 0.75, 0.40]), np.array([0.10, 0.07, 0.05])
    h = f[:, 5:6]
    hair = blond * (1 - h) + black * h
    hair[:, 0] += 0.25 * np.sin(np.pi * h[:, 0]) * 0.6  # auburn in the middle of the range
    bg = 0.35 + 0.45 * _hue_to_rgb(f[:, 10])
    pal[:, _BG] = bg
    pal[:, _HAIR] = np.clip(hair, 0, 1)
    pal[:, _SKIN] = skin
    pal[:, _BROW] = np.clip(hair * 0.7, 0, 1)
    pal[:, _WHITE] = 0.96
    pal[:, _IRIS] = np.array([0.12, 0.16, 0.22])
    pal[:, _MOUTH] = np.array([0.62, 0.16, 0.20]) * 0.6 + skin * 0.25
    pal[:, _NOSE] = skin * 0.82
    return pal


def render_faces(factors: np.ndarray, size: int) -> np.ndarray:
    """Render faces for ``factors`` (n, 12) into uint8 images (n, size, size, 3)."""
    f = np.asarray(factors, dtype=np.float32)
    n = f.shape[0]
    if n == 0:
        return np.zeros((0, size, size, 3), np.uint8)
    lin = (np.arange(size, dtype=np.float32) + 0.5) / size * 2.0 - 1.0
    u = lin[None, None, :]
    v = lin[None, :, None]

    def col(i: int, lo: float, hi: float) -> np.ndarray:
        return (lo + (hi - lo) * f[:, i])[:, None, None]

    r = col(0, 0.56, 0.74)
    cx = col(1, -0.14, 0.14)
    cy = col(2, -0.04, 0.12)
    aspect = col(3, 0.72, 0.92)
    du = (u - cx) / r  # face coordinates: the head is the unit ellipse
    dv = (v - cy) / r
    dua = du / aspect
    head2 = dua * dua + dv * dv

    label = np.zeros((n, size, size), dtype=np.uint8)
    hair_len = col(6, -0.3, 1.6)
    back = ((du / (aspect * 1.18)) ** 2 + (dv / 1.12) ** 2 < 1.0) & (dv < hair_len)
    label[back] = _HAIR
    label[head2 < 1.0] = _SKIN
    hairline = -0.38 + 0.08 * np.cos(du * 5.0 + f[:, 6, None, None] * 6.0)
    cap = ((du / (aspect * 1.1)) ** 2 + (dv / 1.1) ** 2 < 1.0) & (dv < hairline)
    label[cap] = _HAIR

    spacing = col(7, 0.26, 0.46)
    er = col(8, 0.09, 0.17)
    ex = np.abs(du) - spacing
    ey = dv + 0.08
    eye2 = (ex / (er * 1.5)) ** 2 + (ey / er) ** 2
    label[eye2 < 1.0] = _WHITE
    label[(ex / (er * 0.65)) ** 2 + (ey / (er * 0.65)) ** 2 < 1.0] = _IRIS
    by = dv + 0.08 + er * 1.9
    label[(np.abs(ex) < er * 1.6) & (np.abs(by + 0.04 * (ex / er) ** 2) < 0.035)] = _BROW

    label[(np.abs(du) < 0.06 * (1.0 + (dv - 0.05) * 3)) & (dv > 0.05) & (dv < 0.3)] = _NOSE

    curv = col(9, -0.22, 0.22)
    mx = du / 0.38
    my = dv - 0.52 + curv * (1.0 - mx * mx)
    label[(np.abs(mx) < 1.0) & (np.abs(my) < 0.05 + 0.03 * (1.0 - mx * mx))] = _MOUTH

    pal = _palette(f)
    offset = (np.arange(n, dtype=np.intp) * _N_LAYERS)[:, None, None]
    idx = label + offset
    planes = np.stack([np.take(pal[:, :, c].ravel(), idx) for c in range(3)])

    angle = f[:, 11, None, None] * (2.0 * np.pi)
    shade = 1.0 + 0.28 * np.clip(np.cos(angle) * du + np.sin(angle) * dv, -1.2, 1.2)
    shade = np.where(label == _BG, 1.0 - 0.125 * (v + 1.0), shade)
    planes *= shade

    # 2x2 box filter (edge-replicated) against jagged edges, one axis at a time.
    for axis in (2, 3):
        head = [slice(None)] * 4
        tail = [slice(None)] * 4
        head[axis], tail[axis] = slice(None, -1), slice(1, None)
        planes[tuple(head)] += planes[tuple(tail)]
        head[axis] = slice(-1, None)
        planes[tuple(head)] *= 2.0
    planes *= 255.0 / 4.0
    planes += 0.5
    np.clip(planes, 0, 255, out=planes)
    return np.moveaxis(planes, 0, -1).astype(np.uint8)
