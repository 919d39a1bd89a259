"""Procedural face images drawn with numpy: a stand-in for CelebA with known generative factors.

Two variants (``dataset.synthetic``): ``simple`` faces are made of 12 independent factors;
``rich`` faces keep those 12 and add many more (``RICH_FACTOR_NAMES``), so that, as with real
faces, their visible variation exceeds what a 256-d latent vector holds.

Every image is a pure function of its factor row, and the factor rows come from one seeded
generator, so a chunk can be rendered anywhere (any thread, any order) and the bytes match.
Rendering works on a whole batch at once: each pixel gets a layer label (background, hair, skin,
eye white, iris, mouth, ...), a per-image palette turns labels into colours, and a lighting field
shades the result; a 2x2 box filter softens the edges.
"""

from __future__ import annotations

import numpy as np

from ..io.seeds import rng as seeded

VARIANTS = ("simple", "rich")

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


def factor_names(variant: str = "simple") -> tuple[str, ...]:
    """The names of the factor columns of ``variant``; the first 12 are ``FACTOR_NAMES``."""
    return {"simple": FACTOR_NAMES, "rich": RICH_FACTOR_NAMES}[_check(variant)]


def _check(variant: str) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown synthetic variant {variant!r}; expected one of {', '.join(VARIANTS)}")
    return variant


def sample_factors(n: int, seed: int, variant: str = "simple") -> np.ndarray:
    """Draw ``n`` factor rows, each factor independent and uniform in [0, 1)."""
    purpose = "synthetic_factors" if _check(variant) == "simple" else f"synthetic_factors:{variant}"
    rng = seeded(seed, purpose)
    return rng.random((n, len(factor_names(variant))), dtype=np.float64).astype(np.float32)


def render_faces(factors: np.ndarray, size: int, variant: str = "simple") -> np.ndarray:
    """Render ``variant`` faces for ``factors`` (n, len(factor_names(variant))) into uint8 images
    (n, size, size, 3)."""
    f = np.asarray(factors, dtype=np.float32)
    width = len(factor_names(variant))
    if f.ndim != 2 or f.shape[1] != width:
        raise ValueError(f"{variant} faces need factors of shape (n, {width}), got {f.shape}")
    return _render_simple(f, size) if variant == "simple" else _render_rich(f, size)


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


def _render_simple(factors: np.ndarray, size: int) -> np.ndarray:
    """The simple faces: ``factors`` (n, 12) into uint8 images (n, size, size, 3)."""
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


# ---------------------------------------------------------------------------------------------
# Rich faces: the 12 named factors and many more independent, visible ones.
#
# A face made of 12 numbers needs far fewer than 256 latent dimensions, so every latent component
# of an AE trained on it mixes the same few factors. The rich faces add what real faces vary in
# and a 64-px AE can learn in a few epochs: feature shapes and sizes, expressions, asymmetries,
# accessories, clothes, several coloured lights, smooth skin and hair texture and a background
# with a 1/f spectrum. Every degree of freedom is a factor (uniform in [0, 1)), so ``factors``
# stays the complete generating description; the coefficient fields are named groups.

_RICH_SCALARS = (
    # head and neck
    "jaw_taper",
    "ear_size",
    "ear_height",
    "neck_width",
    # skin
    "skin_redness",
    "blush_left",
    "blush_right",
    # hair
    "hair_hue",
    "hair_volume",
    "hair_top",
    "hairline_height",
    "fringe_length",
    "fringe_side",
    "hair_wave",
    "hair_wave_phase",
    # eyes (asymmetry: the right eye larger, the left smaller)
    "eye_height",
    "eye_openness",
    "eye_tilt",
    "eye_asymmetry",
    "iris_hue",
    "iris_lightness",
    "gaze_x",
    "gaze_y",
    "eye_shadow",
    # brows (angle and asymmetry: expressions)
    "brow_height",
    "brow_thickness",
    "brow_angle",
    "brow_asymmetry",
    "brow_arch",
    "brow_darkness",
    # nose
    "nose_length",
    "nose_width",
    "nose_shade",
    # mouth
    "mouth_width",
    "mouth_height",
    "mouth_open",
    "lip_thickness",
    "lip_hue",
    "mouth_asymmetry",
    # accessories: each present above a threshold of its first factor
    "beard",
    "moustache",
    "glasses",
    "glasses_size",
    "frame_hue",
    "frame_lightness",
    "sunglasses",
    "hat",
    "hat_hue",
    "hat_height",
    # clothes
    "shirt_hue",
    "shirt_lightness",
    "shoulder_width",
    "neckline",
    # lights: the key light (light_angle), a coloured fill light, ambient colour, falloff
    "light_strength",
    "light2_angle",
    "light2_strength",
    "light2_warmth",
    "ambient",
    "ambient_warmth",
    "light_falloff",
    # background
    "background_saturation",
    "background_lightness",
)


def _dct_modes(k: int) -> list[tuple[int, int]]:
    """(ky, kx) of a 2-D cosine basis up to ``k`` half-cycles per axis, without the constant."""
    return [(ky, kx) for ky in range(k + 1) for kx in range(k + 1) if ky or kx]


_BG_K, _CHROMA_K, _SKIN_K, _HAIR_K, _SHIRT_K = 8, 6, 4, 3, 3
# amplitude of mode k: amp / |k|**slope
_BG_AMP, _CHROMA_AMP, _SKIN_AMP, _STRAND_AMP, _SLOPE = 0.1, 0.1, 0.12, 0.1, 0.3
_HAIR_AMP, _SHIRT_AMP = 0.15, 0.2
_STRAND_FREQS = (3, 4, 5, 6, 7)
# Named groups of coefficients: (group, names of its members).
FACTOR_GROUPS = {
    "background_pattern": tuple(f"background_pattern_y{a}x{b}" for a, b in _dct_modes(_BG_K)),
    "background_chroma_rg": tuple(f"background_chroma_rg_y{a}x{b}" for a, b in _dct_modes(_CHROMA_K)),
    "background_chroma_yb": tuple(f"background_chroma_yb_y{a}x{b}" for a, b in _dct_modes(_CHROMA_K)),
    "skin_pattern": tuple(f"skin_pattern_y{a}x{b}" for a, b in _dct_modes(_SKIN_K)),
    "hair_strands": tuple(f"hair_strands_{t}{k}" for k in _STRAND_FREQS for t in ("cos", "sin")),
    "hair_pattern": tuple(f"hair_pattern_y{a}x{b}" for a, b in _dct_modes(_HAIR_K)),
    "shirt_pattern": tuple(f"shirt_pattern_y{a}x{b}" for a, b in _dct_modes(_SHIRT_K)),
}
RICH_FACTOR_NAMES = FACTOR_NAMES + _RICH_SCALARS + tuple(n for g in FACTOR_GROUPS.values() for n in g)
_RICH_INDEX = {name: i for i, name in enumerate(RICH_FACTOR_NAMES)}

# Layer labels of the rich faces: a layer covers every layer with a smaller label, so painting is a
# running maximum, in any order. The skin's layers are contiguous (NECK..SHADOW).
(
    _R_BG,
    _R_TORSO,
    _R_HAIR_BACK,
    _R_NECK,
    _R_EAR,
    _R_SKIN,
    _R_NOSE,
    _R_SHADOW,
    _R_BEARD,
    _R_BROW,
    _R_HAIR,
    _R_WHITE,
    _R_IRIS,
    _R_LIPS,
    _R_TEETH,
    _R_LENS,
    _R_FRAME,
    _R_HAT,
    _R_HAT_BAND,
) = range(19)
_R_LAYERS = 19
_RICH_BATCH = 128  # images rendered together: the working arrays stay in the CPU cache


_IRIS_COLOURS = np.array(
    [[0.20, 0.38, 0.62], [0.22, 0.45, 0.30], [0.45, 0.38, 0.18], [0.30, 0.17, 0.08]], np.float32
)
_LIP_COLOURS = np.array([[0.70, 0.18, 0.22], [0.82, 0.42, 0.52], [0.50, 0.24, 0.20]], np.float32)


class _Rich:
    """Access to one batch's rich factors by name."""

    def __init__(self, f: np.ndarray):
        self.f = f

    def vec(self, name: str, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
        return (lo + (hi - lo) * self.f[:, _RICH_INDEX[name]]).astype(np.float32)

    def __call__(self, name: str, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
        return self.vec(name, lo, hi)[:, None, None]

    def group(self, name: str) -> np.ndarray:
        """A group's coefficients, centred with unit variance: (n, members)."""
        names = FACTOR_GROUPS[name]
        a = _RICH_INDEX[names[0]]
        return (self.f[:, a : a + len(names)] - 0.5) * np.float32(np.sqrt(12.0))


def _lerp_colours(anchors: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Piecewise-linear colour ramp through ``anchors`` (k, 3) at t in [0, 1]: (n, 3)."""
    x = np.clip(t, 0.0, 1.0) * (len(anchors) - 1)
    i = np.minimum(x.astype(np.intp), len(anchors) - 2)
    w = (x - i)[:, None]
    return anchors[i] * (1 - w) + anchors[i + 1] * w


def _rich_palette(p: _Rich) -> np.ndarray:
    """Per-image colour of every rich layer, (n, layers, 3) float32."""
    n = p.f.shape[0]
    pal = np.empty((n, _R_LAYERS, 3), dtype=np.float32)
    t = p.vec("skin_tone")[:, None]
    skin = np.array([0.98, 0.82, 0.70]) * (1 - t) + np.array([0.40, 0.25, 0.16]) * t
    skin = skin * (1.0 + p.vec("skin_redness", -1, 1)[:, None] * np.array([0.07, -0.03, -0.04]))
    h = p.vec("hair_colour")[:, None]
    hair = np.array([0.90, 0.75, 0.40]) * (1 - h) + np.array([0.10, 0.07, 0.05]) * h
    hair[:, 0] += 0.15 * np.sin(np.pi * h[:, 0])
    hair = np.clip(hair * (1.0 + p.vec("hair_hue", -1, 1)[:, None] * np.array([0.22, 0.0, -0.22])), 0, 1)
    pal[:, _R_BG] = 0.0  # the background's colour is its field: _rich_background
    sl = p.vec("shirt_lightness", 0.12, 0.85)[:, None]
    pal[:, _R_TORSO] = sl + 0.8 * np.minimum(sl, 1 - sl) * (_hue_to_rgb(p.vec("shirt_hue")) - 0.5)
    pal[:, _R_HAIR_BACK] = hair
    pal[:, _R_HAIR] = hair
    pal[:, _R_NECK] = skin * 0.8
    pal[:, _R_EAR] = skin * 0.92
    pal[:, _R_SKIN] = skin
    pal[:, _R_BEARD] = hair * 0.8 + skin * 0.08
    pal[:, _R_SHADOW] = skin * (0.92 - 0.4 * p.vec("eye_shadow")[:, None])
    pal[:, _R_BROW] = hair * (0.25 + 0.6 * (1 - p.vec("brow_darkness")[:, None]))
    pal[:, _R_WHITE] = 0.95
    pal[:, _R_IRIS] = np.clip(
        _lerp_colours(_IRIS_COLOURS, p.vec("iris_hue")) * p.vec("iris_lightness", 0.55, 1.45)[:, None], 0, 1
    )
    pal[:, _R_NOSE] = skin * p.vec("nose_shade", 0.7, 0.92)[:, None]
    pal[:, _R_LIPS] = _lerp_colours(_LIP_COLOURS, p.vec("lip_hue")) * 0.7 + skin * 0.2
    pal[:, _R_TEETH] = np.array([0.92, 0.88, 0.82])
    fl = p.vec("frame_lightness", 0.05, 0.75)[:, None]
    frame = fl * (0.5 + 0.5 * _hue_to_rgb(p.vec("frame_hue")))
    pal[:, _R_LENS] = 0.1 + 0.1 * frame
    pal[:, _R_FRAME] = frame
    hat = 0.15 + 0.65 * _hue_to_rgb(p.vec("hat_hue"))
    pal[:, _R_HAT] = hat
    pal[:, _R_HAT_BAND] = hat * 0.5
    return pal


def _rich_background(p: _Rich) -> np.ndarray:
    """The background's mean colour, (n, 3)."""
    light, sat = p.vec("background_lightness", 0.3, 0.7), p.vec("background_saturation", 0.1, 0.6)
    return light[:, None] + sat[:, None] * (_hue_to_rgb(p.vec("background_hue")) - 0.5)


def _tint(warmth: np.ndarray, amount: float) -> np.ndarray:
    """Per-channel gain (3, n) of a light of ``warmth`` in [-1, 1]: warm is redder, cool bluer."""
    return 1.0 + np.array([amount, 0.0, -amount], np.float32)[:, None] * warmth


def _cosines(t: np.ndarray, k: int) -> np.ndarray:
    """cos(pi j (t + 1) / 2) for j = 0..k: a cosine basis on t in [-1, 1], (..., k + 1)."""
    return np.cos((np.pi / 2) * (t[..., None] + 1.0) * np.arange(k + 1, dtype=np.float32))


def _mode_grid(coef: np.ndarray, k: int, amplitude: float) -> np.ndarray:
    """Coefficients (n, modes) of ``_dct_modes(k)`` as a (n, k + 1, k + 1) grid with a 1/f
    spectrum: mode (ky, kx) scaled by ``amplitude`` / sqrt(kx^2 + ky^2)."""
    modes = np.array(_dct_modes(k))
    grid = np.zeros((coef.shape[0], k + 1, k + 1), np.float32)
    grid[:, modes[:, 0], modes[:, 1]] = coef * (amplitude / np.hypot(modes[:, 0], modes[:, 1]) ** _SLOPE)
    return grid


# Local features are drawn only in the rows where some face of the batch can have them (the bands
# in face coordinates are bounds of every feature's extent); tests turn this off to check them.
_WINDOWS = True


def _band(dv: np.ndarray, lo: float, hi: float) -> slice:
    """The rows where some image of the batch has face coordinate ``dv`` in [lo, hi]."""
    if not _WINDOWS:
        return slice(None)
    rows = np.flatnonzero(((dv >= lo) & (dv <= hi)).any(axis=0)[:, 0])
    return slice(int(rows[0]), int(rows[-1]) + 1) if len(rows) else slice(0, 0)


def _paint(label: np.ndarray, mask: np.ndarray, layer: int) -> None:
    np.maximum(label, mask.view(np.uint8) * np.uint8(layer), out=label)


def _render_rich_batch(f: np.ndarray, size: int) -> np.ndarray:
    """Rich faces for one batch of factor rows. Shapes are tested as "column function < row
    function" where they can be (du varies along a row, dv down a column), one comparison per
    pixel; ``_paint`` keeps the largest label."""
    n = f.shape[0]
    p = _Rich(f)
    lin = (np.arange(size, dtype=np.float32) + 0.5) / size * 2.0 - 1.0
    r = p("head_size", 0.56, 0.74)
    aspect = p("face_aspect", 0.72, 0.92)
    du = (lin - p("head_x", -0.14, 0.14)) / r  # (n, 1, S): face coordinates, the head is the unit
    dv = (lin[:, None] - p("head_y", -0.04, 0.12)) / r  # (n, S, 1)  ellipse of half-width aspect
    dua = du / aspect
    adu = np.abs(du)
    dua2 = dua * dua
    label = np.zeros((n, size, size), dtype=np.uint8)

    # clothes; hair behind the head (an ellipse: volume its width, top its height above the
    # head) down to hair_length; the neck, down into a V neckline; ears
    top = 0.9 + 0.5 * (du / p("shoulder_width", 0.85, 1.3)) ** 2
    _paint(label, dv > top, _R_TORSO)
    hv, ht = p("hair_volume", 1.06, 1.4), p("hair_top", 0.0, 0.2)
    back = np.where(dv < p("hair_length", -0.3, 1.6), 1.0 - ((dv + ht) / (1.12 + ht)) ** 2, -1.0)
    _paint(label, dua2 / (hv * hv) < back, _R_HAIR_BACK)
    vline = 1.0 + 0.55 * p("neckline") - 1.4 * adu
    neck_end = np.where(adu < p("neck_width", 0.26, 0.44), np.maximum(top, vline), -9.0)
    _paint(label, (dv > 0.3) & (dv < neck_end), _R_NECK)
    w = _band(dv, -0.45, 0.45)
    es = p("ear_size", 0.7, 1.3)
    ear = 1.0 - ((dv[:, w] - p("ear_height", -0.12, 0.12)) / (0.22 * es)) ** 2
    _paint(label[:, w], ((adu - aspect * 0.96) / (0.13 * es)) ** 2 < ear, _R_EAR)

    # the face (the jaw narrows its lower half), the nose, a beard up from the chin
    taper = (1.0 - p("jaw_taper", 0.0, 0.3) * np.clip(dv, 0.0, 1.0) ** 2) ** 2
    head = dua2 < (1.0 - dv * dv) * taper
    _paint(label, head, _R_SKIN)
    nose_len, nose_w = p("nose_length", 0.18, 0.36), p("nose_width", 0.045, 0.085)
    nose = np.where((dv > 0.05) & (dv < 0.05 + nose_len), nose_w * (1.0 + (dv - 0.05) * 3.0), -1.0)
    _paint(label, adu < nose, _R_NOSE)
    beard = np.clip((p("beard") - 0.5) / 0.5, 0.0, 1.0)
    w = _band(dv, 0.05, 1.0)
    _paint(label[:, w], head[:, w] & (dv[:, w] > 1.02 - 0.62 * beard - 0.3 * dua2), _R_BEARD)

    # the mouth: width, height, curvature, asymmetry, lips, opening (teeth), a moustache above
    w = _band(dv, 0.0, 1.1)
    lab = label[:, w]
    mx = du / p("mouth_width", 0.28, 0.46)
    inside = np.abs(mx) < 1.0
    ms = np.clip(1.0 - mx * mx, 0.0, None)
    curve = p("mouth_height", 0.48, 0.6) - p("mouth_curvature", -0.22, 0.22) * ms
    my = dv[:, w] - (curve - p("mouth_asymmetry", -0.08, 0.08) * mx)
    amy = np.abs(my)
    opening = p("mouth_open", -0.02, 0.06) * ms
    lips = np.where(inside, p("lip_thickness", 0.6, 1.4) * (0.035 + 0.03 * ms) + opening, -1.0)
    _paint(lab, amy < lips, _R_LIPS)
    _paint(lab, amy < np.where(inside, opening, -1.0), _R_TEETH)
    moustache = 0.09 * np.clip((p("moustache") - 0.5) / 0.5, 0.0, 1.0)
    _paint(lab, (my < -0.035) & (my > np.where(inside, -0.035 - moustache * (0.4 + ms), 9.0)), _R_BEARD)

    # eyes: per-side size (asymmetry), openness, tilt, gaze; shadow and brows above them; glasses
    w = _band(dv, -0.95, 0.35)
    lab, dvw = label[:, w], dv[:, w]
    sign = np.where(du > 0, np.float32(1), np.float32(-1))
    er = p("eye_size", 0.09, 0.17) * (1.0 + sign * p("eye_asymmetry", -0.12, 0.12))
    spacing = p("eye_spacing", 0.26, 0.46)
    eye_y = p("eye_height", -0.16, 0.0)
    ex = adu - spacing  # (n, 1, S), outward from each eye's centre
    bx = ex / er
    ey = dvw - (eye_y - p("eye_tilt", -0.25, 0.25) * ex)  # (n, rows, S)
    t = ey + 0.45 * er
    _paint(lab, t * t < (1.25 * er) ** 2 * (1.0 - (bx / 1.75) ** 2), _R_SHADOW)
    brow_line = eye_y - er * p("brow_height", 1.5, 2.3) + p("brow_arch", -0.04, 0.08) * bx * bx
    brow_line = brow_line - p("brow_angle", -0.3, 0.3) * ex + sign * p("brow_asymmetry", -0.05, 0.05)
    thick = np.where(np.abs(bx) < 1.7, p("brow_thickness", 0.022, 0.055), -1.0)
    _paint(lab, np.abs(dvw - brow_line) < thick, _R_BROW)
    white = ey * ey < (er * p("eye_openness", 0.45, 1.1)) ** 2 * (1.0 - (bx / 1.5) ** 2)
    _paint(lab, white, _R_WHITE)
    iy = ey - er * p("gaze_y", -0.3, 0.3)
    iris = (0.65 * er) ** 2 * (1.0 - ((bx - sign * p("gaze_x", -0.55, 0.55)) / 0.65) ** 2)
    _paint(lab, white & (iy * iy < iris), _R_IRIS)
    has_glasses = p("glasses") > 0.55
    gs = p("glasses_size", 0.85, 1.25)
    g_col = np.where(has_glasses, (ex / (0.22 * gs)) ** 2, np.float32(9.0))
    gy = dvw - eye_y
    g_row = gy * gy / (0.16 * gs) ** 2
    lens = np.where(p("sunglasses") > 0.6, 1.0 - g_col, -1.0)
    _paint(lab, g_row < lens, _R_LENS)  # sunglasses: dark lenses
    g2 = g_col + g_row
    bridge = np.where(has_glasses & (adu < spacing - 0.2 * gs), 0.025, -1.0)
    _paint(lab, ((g2 >= 1.0) & (g2 < 1.45)) | (np.abs(gy + 0.03) < bridge), _R_FRAME)

    # hair over the forehead: hairline height, a fringe to one side, waves
    hairline = p("hairline_height", -0.75, -0.42) + p("hair_wave", 0.0, 0.09) * np.cos(
        du * 6.0 + p("hair_wave_phase", 0.0, 2 * np.pi)
    )
    fringe = np.clip(1.0 - ((du - p("fringe_side", -0.6, 0.6)) / 0.7) ** 2, 0.0, None)
    hairline = hairline + p("fringe_length", 0.0, 0.32) * fringe
    w = _band(dv, -1.1, 0.0)
    _paint(label[:, w], (dua2 < 1.21 - dv[:, w] ** 2) & (dv[:, w] < hairline), _R_HAIR)

    # a hat
    w = _band(dv, -1.3, -0.3)
    dvw = dv[:, w]
    brim = np.where(p("hat") > 0.7, -0.33 - 0.25 * p("hat_height"), np.float32(-9.0))
    crown = np.where(dvw < brim, 1.0 - ((dvw + 0.1) / 1.15) ** 2, -1.0)
    _paint(label[:, w], (dua / 1.2) ** 2 < crown, _R_HAT)
    band = np.where((dvw < brim) & (dvw > brim - 0.11), 1.22, -1.0)
    _paint(label[:, w], np.abs(dua) < band, _R_HAT_BAND)

    # colours: the palette by label (the background's colour is its field), lights, textures;
    # colours are scaled to 255 / 4 at once, as the 2x2 box filter sums four pixels
    scale = np.float32(255.0 / 4.0)
    pal = _rich_palette(p) * scale
    idx = label.astype(np.intp)
    idx += (np.arange(n, dtype=np.intp) * _R_LAYERS)[:, None, None]
    planes = np.empty((3, n, size, size), np.float32)
    for c in range(3):
        np.take(np.ascontiguousarray(pal[:, :, c]).ravel(), idx, out=planes[c], mode="wrap")

    # lights on everything but the background: the key light (light_angle), a coloured fill light,
    # a coloured ambient level, a falloff towards the face's edge, and the cheeks' blush: a field
    # sum_ij C[c, i, j] a_i(dv) b_j(du) with a = (1, dv, dv^2, cheek(dv)), b = (1, du, du^2,
    # cheek_left(du), cheek_right(du)).
    a_basis = np.concatenate([np.ones_like(dv), dv, dv * dv, np.exp(-(((dv - 0.28) / 0.16) ** 2))], axis=2)
    cheek = [np.exp(-(((du + s * 0.45) / 0.17) ** 2)) for s in (1.0, -1.0)]
    b_basis = np.concatenate([np.ones_like(du), du, du * du, *cheek], axis=1)  # (n, 5, S)
    coef = np.zeros((3, n, 4, 5), np.float32)
    theta1, k1 = p.vec("light_angle", 0.0, 2 * np.pi), p.vec("light_strength", 0.12, 0.4)
    theta2 = p.vec("light2_angle", 0.0, 2 * np.pi)
    k2 = _tint(p.vec("light2_warmth", -1, 1), 0.6) * p.vec("light2_strength", 0.0, 0.3)
    coef[:, :, 0, 1] = k1 * np.cos(theta1) + k2 * np.cos(theta2)
    coef[:, :, 1, 0] = k1 * np.sin(theta1) + k2 * np.sin(theta2)
    fall = p.vec("light_falloff", 0.0, 0.3)
    coef[:, :, 0, 0] = _tint(p.vec("ambient_warmth", -1, 1), 0.09) * p.vec("ambient", 0.82, 1.12) + 0.1 * fall
    coef[:, :, 0, 2] = -0.5 * fall
    coef[:, :, 2, 0] = -0.5 * fall
    blush = np.array([0.22, -0.1, -0.08], np.float32)[:, None]
    coef[:, :, 3, 3] = p.vec("blush_left") * blush
    coef[:, :, 3, 4] = p.vec("blush_right") * blush
    work = np.matmul(a_basis, coef @ b_basis)  # (3, n, S, S): the shading

    # texture, in face coordinates: smooth skin mottling, hair strands and highlights, a pattern
    # on the shirt (luminance fields with a 1/f spectrum)
    def field(group: str, k: int, amp: float, t_rows: np.ndarray, t_cols: np.ndarray) -> np.ndarray:
        rows = _cosines(np.clip(t_rows[:, :, 0], -1, 1), k)  # (n, S, k + 1)
        cols = _cosines(np.clip(t_cols[:, 0, :], -1, 1), k)
        return rows @ (_mode_grid(p.group(group), k, amp) @ np.swapaxes(cols, 1, 2))  # (n, S, S)

    texture = field("skin_pattern", _SKIN_K, _SKIN_AMP, dv, du / 1.2)
    texture *= (label >= _R_NECK) & (label <= _R_SHADOW)
    phase = du[:, 0, :, None] * (np.pi * np.array(_STRAND_FREQS, np.float32))  # (n, S, k)
    strands = np.stack([np.cos(phase), np.sin(phase)], axis=3).reshape(n, size, 2 * len(_STRAND_FREQS))
    hair = field("hair_pattern", _HAIR_K, _HAIR_AMP, dv / 1.3, du / 1.4)
    hair += (strands @ (p.group("hair_strands") * np.float32(_STRAND_AMP))[:, :, None])[:, None, :, 0]
    hair *= (label == _R_HAIR_BACK) | (label == _R_BEARD) | (label == _R_HAIR)
    texture += hair
    shirt = field("shirt_pattern", _SHIRT_K, _SHIRT_AMP, (dv - 1.45) / 0.55, du / 1.5)
    shirt *= label == _R_TORSO
    texture += shirt
    for c in range(3):
        work[c] += texture
    planes *= work

    # background: its colour plus luminance and two colour-opponent fields with a 1/f spectrum
    basis = _cosines(lin, _BG_K)
    grid = np.zeros((3, n, _BG_K + 1, _BG_K + 1), np.float32)
    grid[:, :, 0, 0] = _rich_background(p).T
    grid += _mode_grid(p.group("background_pattern"), _BG_K, _BG_AMP)
    c = _CHROMA_K + 1
    for name, weights in (("rg", (0.5, -0.5, 0.0)), ("yb", (0.25, 0.25, -0.5))):
        chroma = _mode_grid(p.group(f"background_chroma_{name}"), _CHROMA_K, _CHROMA_AMP)
        grid[:, :, :c, :c] += np.array(weights, np.float32)[:, None, None, None] * chroma
    grid *= scale
    np.matmul(basis, grid @ basis.T, out=work)  # (3, n, S, S): the background
    is_bg = label == _R_BG
    for c in range(3):
        work[c] *= is_bg
    planes += work

    # the 2x2 box filter (edge-replicated) against jagged edges: rows into ``work``, then columns
    # back into ``planes`` on the flat arrays (a short inner loop per row is several times slower)
    np.add(planes[..., :-1, :], planes[..., 1:, :], out=work[..., :-1, :])
    np.multiply(planes[..., -1, :], 2.0, out=work[..., -1, :])
    np.add(work.reshape(-1)[:-1], work.reshape(-1)[1:], out=planes.reshape(-1)[:-1])
    np.multiply(work[..., -1], 2.0, out=planes[..., -1])  # the last column, and what wrapped into it
    planes += 0.5
    np.clip(planes, 0, 255, out=planes)
    return np.moveaxis(planes, 0, -1).astype(np.uint8)


def _render_rich(factors: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((factors.shape[0], size, size, 3), np.uint8)
    for a in range(0, factors.shape[0], _RICH_BATCH):
        out[a : a + _RICH_BATCH] = _render_rich_batch(factors[a : a + _RICH_BATCH], size)
    return out
