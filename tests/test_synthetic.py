import numpy as np

from aelatent.data import synthetic


def test_same_seed_same_bytes_and_different_seed_differs():
    a = synthetic.render_faces(synthetic.sample_factors(50, 3), 64)
    b = synthetic.render_faces(synthetic.sample_factors(50, 3), 64)
    c = synthetic.render_faces(synthetic.sample_factors(50, 4), 64)
    assert a.dtype == np.uint8 and a.shape == (50, 64, 64, 3)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


def test_rendering_is_per_image_independent_of_batching():
    f = synthetic.sample_factors(30, 0)
    whole = synthetic.render_faces(f, 32)
    parts = np.concatenate([synthetic.render_faces(f[:7], 32), synthetic.render_faces(f[7:], 32)])
    assert np.array_equal(whole, parts)


def test_factors_have_names_and_each_changes_the_image():
    f = synthetic.sample_factors(10, 0)
    assert f.shape == (10, len(synthetic.FACTOR_NAMES)) and len(synthetic.FACTOR_NAMES) >= 8
    assert ((f >= 0) & (f < 1)).all()
    base = np.full((1, len(synthetic.FACTOR_NAMES)), 0.5, np.float32)
    ref = synthetic.render_faces(base, 64)
    for k, name in enumerate(synthetic.FACTOR_NAMES):
        moved = base.copy()
        moved[0, k] = 0.95
        diff = np.abs(synthetic.render_faces(moved, 64).astype(int) - ref).sum()
        assert diff > 0, f"factor {name} has no visible effect"


def test_face_is_centred_and_differs_from_background():
    img = synthetic.render_faces(np.full((1, 12), 0.5, np.float32), 64)[0].astype(int)
    centre, corner = img[28:36, 28:36].mean(axis=(0, 1)), img[:4, :4].mean(axis=(0, 1))
    assert np.abs(centre - corner).sum() > 40
