import collections
import io
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
import zarr
from conftest import image_store, kill_once_checkpointed, with_defaults

from aelatent.data.prepare import prepare_images
from aelatent.errors import InputError
from aelatent.figures.training import training_figures
from aelatent.io.latents import shard_ranges
from aelatent.nn import checkpoint
from aelatent.nn.decode import decode_vectors, reconstruct
from aelatent.nn.encode import create_for_model, encode_shard
from aelatent.nn.geometry import check_geometry
from aelatent.nn.model import Autoencoder
from aelatent.nn.train import (
    MIN_GAIN,
    TrainingDiverged,
    TrainingFailed,
    epoch_batches,
    load_model,
    train,
)

SMALL_MODEL = {
    "filters_encoder": [4, 4, 8, 8],
    "filters_decoder": [8, 8, 4, 4],
    "latent_dim": 6,
}


def configs(model_over=None, **train_over):
    """Settings under which the small model learns clearly better than the mean image in 3 epochs."""
    train = {"epochs": 3, "batch_size": 8, "learning_rate": 5e-3, "threads": 1, **train_over}
    cfg = with_defaults({"model": {**SMALL_MODEL, **(model_over or {})}, "train": train})
    return cfg["model"], cfg["train"]


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return image_store(tmp_path_factory, 240, 16, 20)


def run_train(images, d, model_over=None, **train_over):
    model_cfg, train_cfg = configs(model_over, **train_over)
    return train(
        images,
        str(d / "model.pt"),
        str(d / "metrics.tsv"),
        str(d / "checkpoint.pt"),
        model_cfg=model_cfg,
        train_cfg=train_cfg,
        seed=1,
        device="cpu",
        threads=1,
    )


def test_geometry_mismatch_names_the_keys():
    with pytest.raises(InputError, match=r"dataset\.image_size=60 does not fit model\.strides"):
        check_geometry(with_defaults({})["model"], 60)
    assert check_geometry(with_defaults({})["model"], 64) == 4
    with pytest.raises(InputError, match="same length"):
        check_geometry({**with_defaults({})["model"], "strides": [2, 2]}, 64)


def test_default_architecture_is_the_articles():
    m = Autoencoder(with_defaults({})["model"], 64)
    convs = [x.out_channels for x in m.encoder if isinstance(x, torch.nn.Conv2d)]
    deconvs = [x.out_channels for x in m.decoder if isinstance(x, torch.nn.ConvTranspose2d)]
    assert convs == [64, 64, 128, 128] and deconvs == [128, 128, 64, 64]
    x = torch.rand(2, 3, 64, 64)
    assert m.encode(x).shape == (2, 256) and m(x).shape == x.shape


def test_training_writes_model_metrics_and_is_deterministic(images, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    run_train(images, tmp_path / "a")
    run_train(images, tmp_path / "b")
    lines = (tmp_path / "a" / "metrics.tsv").read_text().splitlines()
    assert lines[0].split("\t") == ["epoch", "train_mse", "valid_mse", "images_per_s", "warmup_s"]
    assert len(lines) == 4
    a, b = (checkpoint.load(tmp_path / d / "model.pt") for d in "ab")
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    assert load_model(str(tmp_path / "a" / "model.pt")).encode(torch.rand(1, 3, 16, 16)).shape == (1, 6)


KIND_SETTINGS = {
    "ae": {},
    "vae": {"kind": "vae", "beta": 0.1},
    "rae": {"kind": "rae", "latent_l2": 0.01, "decoder_weight_decay": 1e-3},
}


@pytest.mark.parametrize("kind", sorted(KIND_SETTINGS))
def test_killed_training_resumes_to_the_same_weights(images, tmp_path, kind):
    """Bitwise the weights and metrics of an uninterrupted run, for every kind (the VAE's noise
    included)."""
    ref, killed = tmp_path / "ref", tmp_path / "killed"
    ref.mkdir()
    killed.mkdir()
    run_train(images, ref, KIND_SETTINGS[kind], epochs=6)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from test_train_encode import KIND_SETTINGS, run_train; from pathlib import Path;"
        "run_train(sys.argv[2], Path(sys.argv[3]), KIND_SETTINGS[sys.argv[4]], epochs=6)"
    )
    args = [os.path.dirname(__file__), images, str(killed), kind]
    kill_once_checkpointed(code, args, killed / "checkpoint.pt")
    assert not (killed / "model.pt").exists(), "killed too late to test resuming"
    done_epochs = checkpoint.load(killed / "checkpoint.pt")["epoch"] + 1
    assert 1 <= done_epochs < 6
    run_train(images, killed, KIND_SETTINGS[kind], epochs=6)
    a, b = checkpoint.load(ref / "model.pt"), checkpoint.load(killed / "model.pt")
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k

    def losses(state):  # every metric but the timings
        return [
            {k: v for k, v in m.items() if k not in ("images_per_s", "warmup_s")} for m in state["metrics"]
        ]

    assert losses(a) == losses(b)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(images, tmp_path):
    run_train(images, tmp_path)
    good = (tmp_path / "checkpoint.pt").read_bytes()
    (tmp_path / "model.pt").unlink()
    with pytest.raises(TrainingDiverged, match="loss became nan") as err:
        run_train(images, tmp_path, learning_rate=1e30)
    assert "learning_rate=1e+30" in str(err.value)
    assert not (tmp_path / "model.pt").exists()
    # a different learning rate is another run: the old checkpoint was not resumed, not overwritten,
    # and is not offered as this run's last good state
    assert (tmp_path / "checkpoint.pt").read_bytes() == good
    assert "checkpoint" not in str(err.value)


def test_divergence_without_batch_norm_names_no_checkpoint_when_none_exists(images, tmp_path):
    with pytest.raises(TrainingDiverged, match=r"loss became nan in epoch 1") as err:
        run_train(images, tmp_path, {"normalization": "none"}, learning_rate=1e6)
    assert "learning_rate=1000000.0 is likely too high" in str(err.value)
    assert "checkpoint" not in str(err.value) and not (tmp_path / "checkpoint.pt").exists()


def test_divergence_after_an_epoch_names_the_checkpoint_kept(images, tmp_path):
    run_train(images, tmp_path)
    (tmp_path / "model.pt").unlink()
    # resume the same run from its epoch-2 checkpoint with the optimiser's rate blown up
    state = checkpoint.load(tmp_path / "checkpoint.pt")
    state["epoch"] = 1
    for group in state["optimizer"]["param_groups"]:
        group["lr"] = 1e30
    checkpoint.save_atomic(state, tmp_path / "checkpoint.pt")
    with pytest.raises(TrainingDiverged, match="in epoch 3") as err:
        run_train(images, tmp_path)
    assert f"the checkpoint after epoch 2 is kept at {tmp_path / 'checkpoint.pt'}" in str(err.value)
    assert checkpoint.load(tmp_path / "checkpoint.pt")["epoch"] == 1


def test_runaway_latents_are_refused_naming_the_learning_rate(images, tmp_path):
    """The issue's learning_rate 1e6: a flat loss and latents near 1e15, no NaN to stop at."""
    with pytest.raises(TrainingFailed, match=r"latent values up to [0-9.]+e\+1\d \(limit 1e\+06\)") as err:
        run_train(images, tmp_path, learning_rate=1e6)
    assert "learning rate is too high (train.learning_rate=1000000.0" in str(err.value)
    assert not (tmp_path / "model.pt").exists() and not (tmp_path / "metrics.tsv").exists()


@pytest.mark.parametrize("train_over", [{"epochs": 1, "learning_rate": 1e-6}, {"learning_rate": 30.0}])
def test_model_no_better_than_the_mean_image_is_refused(images, tmp_path, train_over):
    with pytest.raises(TrainingFailed, match="learned nothing usable: its validation MSE") as err:
        run_train(images, tmp_path, **train_over)
    assert "the MSE of predicting the mean training image" in str(err.value)
    assert f"train.learning_rate={train_over['learning_rate']}" in str(err.value)
    assert not (tmp_path / "model.pt").exists()


def test_a_usable_model_records_its_quality(images, tmp_path):
    q = run_train(images, tmp_path)["quality"]
    assert q == checkpoint.load(tmp_path / "model.pt")["quality"]
    assert q["mse"] <= (1 - MIN_GAIN) * q["mean_image_mse"] and 0 < q["max_abs_latent"] < 100


def test_epoch_batches_leave_out_a_last_batch_of_one_only_with_batch_norm():
    assert epoch_batches(17, 8, batchnorm=True) == [0, 8]
    assert epoch_batches(17, 8, batchnorm=False) == [0, 8, 16]
    assert epoch_batches(18, 8, batchnorm=True) == [0, 8, 16]
    assert epoch_batches(1, 8, batchnorm=True) == []


def test_last_batch_of_one_at_a_1x1_layer_trains(images, tmp_path, caplog):
    """16-px images halve to 1x1 (batch norm then needs 2 values per channel): 209 training images
    in batches of 8 leave one; torch used to stop with "Expected more than 1 value per channel"."""
    with caplog.at_level(logging.INFO):
        res = run_train(images, tmp_path, n_train=209)
    assert check_geometry(configs()[0], 16) == 1
    assert "leaves out its last batch of one image" in caplog.text
    assert len(res["metrics"]) == 3 and (tmp_path / "model.pt").exists()


def test_one_training_image_with_batch_norm_is_refused(tmp_path):
    path = tmp_path / "images.zarr"
    ds = {"n_images": 20, "image_size": 16, "chunk_images": 20, "min_images": 1, "valid_fraction": 0.45}
    prepare_images(with_defaults({"dataset": ds})["dataset"], str(path), threads=1, seed=0)
    with pytest.raises(InputError, match="needs at least 2 training images; the training split has 1"):
        run_train(str(path), tmp_path, n_train=1)


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04 this is not a checkpoint", b"", b"garbage", "truncated", "foreign class"],
)
def test_corrupt_checkpoint_names_the_file_and_never_advises_weights_only_false(trained, tmp_path, content):
    good = Path(trained).read_bytes()
    if content == "truncated":
        content = good[: len(good) // 2]
    elif content == "foreign class":
        buf = io.BytesIO()
        torch.save({"model": collections.OrderedDict(), "x": ForeignThing()}, buf)
        content = buf.getvalue()
    for name in ("model.pt", "checkpoint.pt"):
        bad = tmp_path / name
        bad.write_bytes(content)
        for load in (checkpoint.load, load_model):
            with pytest.raises(InputError) as err:
                load(str(bad))
            msg = str(err.value)
            assert f"checkpoint {bad}" in msg and "delete it and rerun" in msg
            assert "weights_only" not in msg and "allowlist" not in msg and "safe_globals" not in msg
            # torch's own message (which does advise weights_only=False) is not chained into the log
            assert err.value.__cause__ is None and err.value.__suppress_context__


def test_checkpoint_without_the_model_is_refused_by_name(trained, tmp_path):
    state = checkpoint.load(trained)
    del state["model_config"]
    checkpoint.save_atomic(state, tmp_path / "model.pt")
    with pytest.raises(
        InputError, match=r"model\.pt lacks model_config: not written by this workflow; delete it"
    ):
        load_model(str(tmp_path / "model.pt"))


def test_another_runs_model_is_refused_by_every_reader(images, trained, tmp_path):
    """Issue 22 row 5: another run's model.pt copied over this run's (latent_dim 8 vs 6)."""
    ours, _ = configs()
    state = checkpoint.load(trained)
    assert state["model_config"] == ours
    state["model_config"] = {**ours, "latent_dim": 8}
    foreign = tmp_path / "model.pt"
    checkpoint.save_atomic(state, foreign)
    said = rf"{foreign} is not this run's model: it was trained with latent_dim 8 \(the config: 6\)"
    with pytest.raises(InputError, match=said):
        create_for_model(images, str(foreign), str(tmp_path / "z.zarr"), chunk_rows=30, model_cfg=ours)
    assert not (tmp_path / "z.zarr").exists()
    with pytest.raises(InputError, match=said):
        decode_vectors(str(foreign), np.zeros((1, 6), np.float32), ours)
    with pytest.raises(InputError, match=said):
        reconstruct(str(foreign), np.zeros((1, 16, 16, 3), np.uint8), ours)
    (tmp_path / "m.tsv").write_text("epoch\ttrain_mse\tvalid_mse\n1\t0.1\t0.1\n")
    # the same settings but other images: refused where the image store is read
    state = checkpoint.load(trained)
    state["images_sha256"] = "0" * 64
    checkpoint.save_atomic(state, foreign)
    with pytest.raises(InputError, match="trained with images other than this run's images.zarr"):
        create_for_model(images, str(foreign), str(tmp_path / "z.zarr"), chunk_rows=30, model_cfg=ours)
    with pytest.raises(InputError, match="trained with images other than this run's images.zarr"):
        training_figures(
            str(tmp_path / "m.tsv"), str(foreign), images, tmp_path / "l.png", tmp_path / "r.png", n=2, dpi=30
        )
    # this run's own model passes every check
    create_for_model(images, trained, str(tmp_path / "z.zarr"), chunk_rows=30, model_cfg=ours)
    assert decode_vectors(trained, np.zeros((2, 6), np.float32), ours).shape == (2, 16, 16, 3)


class ForeignThing:
    """A class a weights-only load refuses."""


def test_shard_ranges_are_chunk_aligned_disjoint_and_complete():
    for n, chunk, shards in [(1000, 100, 3), (1050, 100, 4), (90, 100, 3), (1000, 7, 8)]:
        r = shard_ranges(n, chunk, shards)
        assert len(r) == shards and r[0][0] == 0 and r[-1][1] == n
        assert all(a % chunk == 0 or a == n for a, _ in r)
        assert all(r[k][1] == r[k + 1][0] for k in range(shards - 1))


@pytest.fixture(scope="module")
def trained(images, tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    run_train(images, d)
    return str(d / "model.pt")


def encode_all(images, model, path, shards, concurrent):
    create_for_model(images, model, str(path), chunk_rows=30)
    markers = [str(path.parent / f"{path.name}.{k}.json") for k in range(shards)]

    def one(k):
        return encode_shard(
            images, model, str(path), markers[k], shard=k, shards=shards, batch_size=7, device="cpu"
        )

    if concurrent:
        with ThreadPoolExecutor(shards) as ex:
            list(ex.map(one, range(shards)))
    else:
        [one(k) for k in range(shards)]
    return zarr.open_array(str(path), mode="r"), [json.loads(open(m).read()) for m in markers]


def test_concurrent_shards_write_exactly_the_serial_bytes(images, trained, tmp_path):
    serial, _ = encode_all(images, trained, tmp_path / "serial.zarr", 1, False)
    par, markers = encode_all(images, trained, tmp_path / "par.zarr", 4, True)
    assert par.shape == (240, 6) and par.dtype == np.float32 and par.chunks == (30, 6)
    assert np.isfinite(par[:]).all()
    assert par[:].tobytes() == serial[:].tobytes()
    assert sum(m["rows"] for m in markers) == 240
    assert [(m["start"], m["stop"]) for m in markers] == shard_ranges(240, 30, 4)


def test_rerunning_one_shard_rewrites_only_its_rows(images, trained, tmp_path):
    z, _ = encode_all(images, trained, tmp_path / "z.zarr", 4, False)
    before = z[:].copy()
    w = zarr.open_array(str(tmp_path / "z.zarr"), mode="r+")
    start, stop = shard_ranges(240, 30, 4)[2]
    w[:] = -1.0
    encode_shard(
        images, trained, str(tmp_path / "z.zarr"), str(tmp_path / "m.json"), shard=2, shards=4, batch_size=7
    )
    after = zarr.open_array(str(tmp_path / "z.zarr"), mode="r")[:]
    assert np.array_equal(after[start:stop], before[start:stop])
    assert (np.delete(after, np.s_[start:stop], axis=0) == -1.0).all()


def test_latent_store_from_another_model_is_refused(images, trained, tmp_path):
    create_for_model(images, trained, str(tmp_path / "z.zarr"), chunk_rows=30)
    other = tmp_path / "other.pt"
    state = checkpoint.load(trained)
    state["model"] = {k: v + 1 if v.is_floating_point() else v for k, v in state["model"].items()}
    checkpoint.save_atomic(state, other)
    with pytest.raises(InputError, match="rerun create_latent_store"):
        encode_shard(
            images,
            str(other),
            str(tmp_path / "z.zarr"),
            str(tmp_path / "m.json"),
            shard=0,
            shards=2,
            batch_size=8,
        )


def test_checkpoint_key_covers_settings_data_seed_and_code():
    from aelatent.nn.train import run_key

    model_cfg, train_cfg = configs()
    base = run_key(model_cfg, train_cfg, 16, "sha", 1)
    assert base == run_key(dict(reversed(model_cfg.items())), train_cfg, 16, "sha", 1)
    assert base != run_key(model_cfg, train_cfg, 16, "sha", 2)
    assert base != run_key(model_cfg, train_cfg, 16, "other", 1)
    assert base != run_key(model_cfg, {**train_cfg, "epochs": 4}, 16, "sha", 1)
