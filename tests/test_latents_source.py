"""dataset.source: latents on vectors no one here produced: scikit-learn's bundled digits (1,797 x 64)
in every format, its tables against numpy on the same array, bad input refused by name, and the
workflow end to end (no training, no decoder; a touched file reruns nothing, a changed one reruns
the import and what follows)."""

import csv
import json

import numpy as np
import pytest
import yaml
from conftest import copy_workflow, model_schema, planned, snakemake, with_defaults

from aelatent.data.latents import describe, fingerprint, import_latents
from aelatent.errors import InputError
from aelatent.io.latents import open_latents, verify_latents
from aelatent.io.tables import read_tsv
from aelatent.outputs import OUTPUTS, expected
from aelatent.stats.moments import Moments

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    from sklearn.datasets import load_digits

    return load_digits().data.astype(np.float32)


def write(path, z, fmt):
    """``z`` as a latents file of format ``fmt`` at ``path`` (its suffix added)."""
    path = path.with_suffix(f".{fmt}")
    if fmt == "npy":
        np.save(path, z)
    elif fmt == "npz":
        np.savez(path, z=z)
    elif fmt == "zarr":
        import zarr

        zarr.create_array(str(path), data=z, chunks=(500, z.shape[1]))
    elif fmt == "parquet":
        pq.write_table(pa.table({f"c{j}": z[:, j] for j in range(z.shape[1])}), path)
    elif fmt == "csv":
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([f"c{j}" for j in range(z.shape[1])])
            w.writerows(z.tolist())
    return path


def imported(tmp_path, src, shards=3, chunk_rows=200, **kw):
    """``src`` imported into a verified store under ``tmp_path``: (its rows, the summary)."""
    store = tmp_path / "latents" / "z.zarr"
    markers = [str(tmp_path / "latents" / "shards" / f"{k}.json") for k in range(shards)]
    n = import_latents(src, store, markers, chunk_rows=chunk_rows, **kw)
    summary = verify_latents(store, markers, tmp_path / "latents" / "verified.json")
    return np.asarray(open_latents(store)[:]), summary, n


@pytest.mark.parametrize("fmt", ["npy", "npz", "zarr", "parquet", "csv"])
def test_every_format_imports_the_same_rows(tmp_path, digits, fmt):
    src = write(tmp_path / "digits", digits, fmt)
    z, summary, n = imported(tmp_path, src)
    assert n == summary["rows"] == 1797 and summary["latent_dim"] == 64
    np.testing.assert_array_equal(z, digits)
    assert describe(src)[1] == 64


def test_parquet_list_column_with_ids_and_split(tmp_path, digits):
    table = pa.table(
        {
            "id": [f"img{i}" for i in range(len(digits))],
            "z": pa.array(list(digits), type=pa.list_(pa.float32())),
            "split": np.arange(len(digits)) % 3,
        }
    )
    pq.write_table(table, tmp_path / "d.parquet")
    settings = {"id_column": "id", "split_column": "split"}
    z, _, _ = imported(tmp_path, tmp_path / "d.parquet", settings=settings)
    np.testing.assert_array_equal(z, digits)


def test_tables_match_numpy(tmp_path, digits):
    """Moments of the imported store against numpy on the same array (components.tsv's mean and
    std, corr.npy, threshold_counts come from these)."""
    src = write(tmp_path / "digits", digits, "npy")
    z, _, _ = imported(tmp_path, src)
    m = Moments(64).update(z)
    x = digits.astype(np.float64)
    np.testing.assert_allclose(m.mean, x.mean(0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(m.cov(ddof=1))), x.std(0, ddof=1), rtol=1e-10, atol=1e-12)
    live = x.std(0) > 0  # digits has constant pixels: their correlations are undefined
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = np.corrcoef(x[:, live], rowvar=False)
    np.testing.assert_allclose(m.corr()[np.ix_(live, live)], ref, atol=1e-10)


def test_on_corrupt_skip_counts_and_error_names_the_row(tmp_path, digits):
    bad = digits.copy()
    bad[[5, 700]] = np.nan
    bad[900, 3] = np.inf
    src = write(tmp_path / "bad", bad, "npy")
    with pytest.raises(InputError, match=r"bad\.npy: row 5 .*on_corrupt: skip"):
        imported(tmp_path, src)
    z, summary, n = imported(tmp_path / "skip", src, on_corrupt="skip")
    assert n == 1794 == len(z)
    np.testing.assert_array_equal(z, np.delete(digits, [5, 700, 900], axis=0))
    assert (
        json.loads((tmp_path / "skip/latents/z.zarr/zarr.json").read_text())["attributes"]["skipped_rows"]
        == 3
    )


def test_float64_beyond_float32_is_refused(tmp_path, digits):
    big = digits.astype(np.float64)
    big[10, 0] = 1e300
    with pytest.raises(InputError, match="row 10"):
        imported(tmp_path, write(tmp_path / "big", big, "npy"))


@pytest.mark.parametrize(
    ("array", "match"),
    [
        (np.zeros((10, 4, 2), np.float32), r"shape \(10, 4, 2\), not \(N, D\)"),
        (np.zeros(10, np.float32), r"not \(N, D\)"),
        (np.zeros((10, 4), np.int64), "dtype int64 is not floating point"),
        (np.zeros((10, 1), np.float32), "D >= 2"),
    ],
)
def test_bad_arrays_are_refused_naming_the_file(tmp_path, array, match):
    src = write(tmp_path / "bad", array, "npy")
    with pytest.raises(InputError, match=match) as err:
        describe(src)
    assert str(src) in str(err.value)


def test_too_few_rows_for_the_sample(tmp_path, digits):
    src = write(tmp_path / "d", digits, "csv")  # a CSV's N is known only once read
    with pytest.raises(InputError, match="1797 usable vectors, below stats.sample_size=5000"):
        imported(tmp_path, src, min_rows=5000)


def test_start_up_checks_see_the_file(tmp_path, digits):
    from aelatent.checks import validate_config

    src = write(tmp_path / "d", digits, "npy")
    cfg = with_defaults({"dataset": {"source": "latents", "path": str(src)}, "stats": {"sample_size": 300}})
    assert validate_config(cfg, model_schema())["ae"]["latent_dim"] == 64
    cfg["stats"]["sample_size"] = 5000
    with pytest.raises(InputError, match="1797 vectors, below stats.sample_size=5000"):
        validate_config(cfg, model_schema())
    cfg["stats"]["sample_size"], cfg["models"] = 300, {"a": {}, "b": {}}
    with pytest.raises(InputError, match="keep one entry"):
        validate_config(cfg, model_schema())


def test_ragged_csv(tmp_path):
    (tmp_path / "r.csv").write_text("a,b,c\n1,2,3\n4,5\n")
    with pytest.raises(InputError, match=r"r\.csv: line 3 has 2 fields, not 3"):
        imported(tmp_path, tmp_path / "r.csv", shards=1, min_rows=1)


def test_csv_text_field(tmp_path):
    (tmp_path / "t.csv").write_text("1,2\n3,x\n")
    with pytest.raises(InputError, match=r"t\.csv: line 2, column 2 holds 'x'"):
        imported(tmp_path, tmp_path / "t.csv", shards=1, min_rows=1)


def test_parquet_mixed_or_ragged_columns(tmp_path):
    pq.write_table(pa.table({"a": [1.0, 2.0], "b": ["1", "2.5"]}), tmp_path / "m.parquet")
    with pytest.raises(InputError, match=r"m\.parquet: column 'b' is of type string, not a float"):
        describe(tmp_path / "m.parquet")
    pq.write_table(
        pa.table({"z": pa.array([[1.0, 2.0], [3.0]], pa.list_(pa.float32()))}), tmp_path / "r.parquet"
    )
    with pytest.raises(InputError, match="row 1 of column 'z' has 1 values, not 2"):
        imported(tmp_path, tmp_path / "r.parquet", shards=1, min_rows=1)


def test_fingerprint_follows_content_not_name_or_time(tmp_path, digits):
    a = write(tmp_path / "a", digits, "npy")
    (tmp_path / "b").mkdir()
    b = tmp_path / "b" / "copy.npy"
    b.write_bytes(a.read_bytes())
    assert fingerprint(a, tmp_path / "cache") == fingerprint(b, tmp_path / "cache")
    changed = digits.copy()
    changed[0, 0] += 1
    np.save(b, changed)
    assert fingerprint(a) != fingerprint(b)


def test_registry_drops_what_needs_images():
    cfg = with_defaults({"dataset": {"source": "latents", "path": "z.npy"}})
    files = expected(cfg, {"ae": {}})
    for name in ("model", "metrics", "reconstructions", "special_image", "decoded", "explorer", "images"):
        prefix = OUTPUTS[name].path.replace("{model}", "ae").split("{")[0]
        assert not any(f.startswith(prefix) for f in files), name
    assert "ae/stats/components.tsv" in files and "ae/report/summary.html" in files


E2E_CONFIG = {
    "run": "lat",
    "seed": 0,
    "device": "cpu",
    "dataset": {"source": "latents", "path": "digits.npy"},
    "encode": {"shards": 3, "chunk_rows": 200},
    "stats": {"sample_size": 300, "subsets": 20, "n_dominant": 5},
    "figures": {"uncorrelated_points": 200, "border_points": 100, "n_pairs": 4},
    "vectors": {"n": 200, "gmm_components": 2},
}
IMAGE_RULES = {"prepare_images", "train_model", "plot_training", "create_latent_store", "encode_shard"}
IMAGE_RULES |= {"decode_vectors", "plot_special_image", "build_explorer", "plot_sample_grid"}


@pytest.mark.e2e
def test_workflow_on_digits(tmp_path, digits):
    work = copy_workflow(tmp_path)
    np.save(work / "digits.npy", digits)
    (work / "config" / "lat.yaml").write_text(yaml.safe_dump(E2E_CONFIG))
    cfg = "config/lat.yaml"
    plan = planned(work, cfg)
    assert plan["import_latents"] == 1 and not IMAGE_RULES & set(plan)
    snakemake(work, config=cfg)
    res = work / "results" / "lat"
    for f in expected(with_defaults(E2E_CONFIG), {"ae": {}}):
        assert (res / f).exists(), f
    assert not (res / "data").exists() and not (res / "ae" / "model").exists()
    # the tables (six significant digits) and corr.npy (float64) against numpy on the same array
    x = digits.astype(np.float64)
    comp = read_tsv(res / "ae" / "stats" / "components.tsv")
    np.testing.assert_allclose([float(r["mean"]) for r in comp], x.mean(0), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose([float(r["std"]) for r in comp], x.std(0, ddof=1), rtol=1e-5, atol=1e-9)
    corr = np.load(res / "ae" / "stats" / "corr.npy")
    live = x.std(0) > 0
    np.testing.assert_allclose(corr[np.ix_(live, live)], np.corrcoef(x[:, live], rowvar=False), atol=1e-9)
    iu = np.triu_indices(live.sum(), 1)
    r = np.abs(np.corrcoef(x[:, live], rowvar=False)[iu])
    for row in read_tsv(res / "ae" / "stats" / "threshold_counts.tsv"):
        assert int(row["n_all"]) == int((r > float(row["threshold"])).sum()), row
    assert "no model trained" in (res / "ae" / "report" / "summary.html").read_text()
    # a touched or copied file plans nothing; changed vectors rerun the import and what follows
    (work / "digits.npy").touch()
    assert planned(work, cfg) == {}
    changed = digits.copy()
    changed[0] += 1
    np.save(work / "digits.npy", changed)
    plan = planned(work, cfg)
    assert {"import_latents", "verify_latents", "merge_moments", "summarize"} <= set(plan)
    assert plan["moments_shard"] == 3
