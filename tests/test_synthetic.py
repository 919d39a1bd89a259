import numpy as np
import pytest
import zarr
from conftest import with_defaults

from aelatent.data import synthetic
from aelatent.data.prepare import prepare_images

VARIANTS = synthetic.VARIANTS


@pytest.mark.parametrize("variant", VARIANTS)
def test_same_seed_same_bytes_and_different_seed_differs(variant):
    a = synthetic.render_faces(synthetic.sample_factors(50, 3, variant), 64, variant)
    b = synthetic.render_faces(synthetic.sample_factors(50, 3, variant), 64, variant)
    c = synthetic.render_faces(synthetic.sample_factors(50, 4, variant), 64, variant)
    assert a.dtype == np.uint8 and a.shape == (50, 64, 64, 3)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


@pytest.mark.parametrize("variant", VARIANTS)
def test_rendering_is_a_function_of_each_row_in_any_chunking(variant):
    f = synthetic.sample_factors(150, 0, variant)  # rich faces render in batches of 64 inside
    whole = synthetic.render_faces(f, 32, variant)
    for cuts in ([1, 7, 70, 71, 135], [64, 128], list(range(1, 150, 13))):
        bounds = [0, *cuts, len(f)]
        parts = [
            synthetic.render_faces(f[a:b], 32, variant) for a, b in zip(bounds, bounds[1:], strict=False)
        ]
        assert np.array_equal(whole, np.concatenate(parts)), cuts
    # a row's image does not depend on its neighbours: the same row among other rows
    shuffled = np.random.default_rng(1).permutation(len(f))
    assert np.array_equal(synthetic.render_faces(f[shuffled], 32, variant), whole[shuffled])
    assert synthetic.render_faces(f[:0], 32, variant).shape == (0, 32, 32, 3)


@pytest.mark.parametrize("variant", VARIANTS)
def test_factor_names_match_the_factor_rows(variant):
    names = synthetic.factor_names(variant)
    f = synthetic.sample_factors(10, 0, variant)
    assert f.shape == (10, len(names)) and f.dtype == np.float32
    assert ((f >= 0) & (f < 1)).all()
    assert len(set(names)) == len(names)
    assert names[: len(synthetic.FACTOR_NAMES)] == synthetic.FACTOR_NAMES  # the 12 named factors first


def test_rich_groups_name_every_coefficient():
    grouped = [n for members in synthetic.FACTOR_GROUPS.values() for n in members]
    assert len(synthetic.RICH_FACTOR_NAMES) > 10 * len(synthetic.FACTOR_NAMES)
    assert set(grouped) <= set(synthetic.RICH_FACTOR_NAMES)
    for group, members in synthetic.FACTOR_GROUPS.items():
        assert all(m.startswith(group) for m in members), group


def _bases(variant: str) -> np.ndarray:
    """Rows where every factor can show: middle values, with the accessories (whose first factor
    switches them on above a threshold) on in one row and off in the other."""
    names = synthetic.factor_names(variant)
    rows = np.full((2, len(names)), 0.5, np.float32)
    for k, name in enumerate(names):
        if name in ("beard", "moustache", "glasses", "hat"):
            rows[:, k] = (0.85, 0.15)
    return rows


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_factor_visibly_changes_the_image(variant):
    """Perturbing any one factor (the middle value to 0.95, an accessory switched off) changes some
    pixel by at least 8 of 255 at 64 px in one of the two base faces."""
    base = _bases(variant)
    ref = synthetic.render_faces(base, 64, variant).astype(int)
    names = synthetic.factor_names(variant)
    moved = np.tile(base, (len(names), 1))  # row 2k + b: factor k moved in base b
    for k in range(len(names)):
        rows = moved[2 * k : 2 * k + 2]
        rows[:, k] = np.where(rows[:, k] > 0.5, 0.05, 0.95)
    change = np.abs(
        synthetic.render_faces(moved, 64, variant).astype(int) - np.tile(ref, (len(names), 1, 1, 1))
    )
    largest = change.reshape(len(names), -1).max(axis=1)
    invisible = [f"{name} ({v})" for name, v in zip(names, largest, strict=True) if v < 8]
    assert not invisible, f"factors without a visible effect: {', '.join(invisible)}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_face_is_centred_and_differs_from_background(variant):
    row = np.full((1, len(synthetic.factor_names(variant))), 0.5, np.float32)
    img = synthetic.render_faces(row, 64, variant)[0].astype(int)
    centre, corner = img[28:36, 28:36].mean(axis=(0, 1)), img[:4, :4].mean(axis=(0, 1))
    assert np.abs(centre - corner).sum() > 40


def test_wrong_factor_width_or_variant_is_refused():
    with pytest.raises(ValueError, match="rich faces need factors of shape"):
        synthetic.render_faces(synthetic.sample_factors(2, 0, "simple"), 32, "rich")
    with pytest.raises(ValueError, match="unknown synthetic variant 'fancy'"):
        synthetic.sample_factors(2, 0, "fancy")


@pytest.mark.parametrize("variant", VARIANTS)
def test_image_store_holds_the_variant_and_its_complete_factors(tmp_path, variant):
    ds = {"synthetic": variant, "n_images": 40, "image_size": 32, "chunk_images": 16}
    cfg = with_defaults({"dataset": ds})["dataset"]
    prepare_images(cfg, str(tmp_path / "images.zarr"), threads=2, seed=5)
    g = zarr.open_group(tmp_path / "images.zarr", mode="r")
    names = synthetic.factor_names(variant)
    assert g.attrs["synthetic"] == variant and g.attrs["factor_names"] == list(names)
    factors = g["factors"][:]
    assert factors.shape == (40, len(names))
    # the factors are the complete description: they alone give back every image
    assert np.array_equal(g["images"][:], synthetic.render_faces(factors, 32, variant))


def test_rich_row_windows_leave_out_only_empty_rows(monkeypatch):
    """Local features are drawn in row bands; the bands must hold every pixel they could cover:
    random rows and rows at the ends of every factor's range render the same without them."""
    rng = np.random.default_rng(0)
    width = len(synthetic.RICH_FACTOR_NAMES)
    rows = np.concatenate(
        [
            synthetic.sample_factors(300, 1, "rich"),
            rng.choice(np.array([0.0, 0.9999], np.float32), size=(300, width)),
        ]
    )
    windowed = synthetic.render_faces(rows, 48, "rich")
    monkeypatch.setattr(synthetic, "_WINDOWS", False)
    assert np.array_equal(windowed, synthetic.render_faces(rows, 48, "rich"))
