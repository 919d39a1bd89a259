"""model.kind: torchscript — the study on the user's own encoder (and decoder), saved here with
torch.jit.save: files that are not TorchScript or give the wrong shapes refused by name at
start-up, latents equal to calling the module directly, the outputs without training (and without
a decoder, without decoding), and the workflow end to end (no training; a touched file reruns
nothing, a changed one reruns from the model on)."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import yaml
from conftest import ROOT, copy_workflow, image_store, model_schema, planned, snakemake, with_defaults
from torch import nn

from aelatent.checks import validate_config
from aelatent.errors import InputError
from aelatent.io.checksum import sha256_file
from aelatent.io.images import open_image_store
from aelatent.io.latents import open_latents
from aelatent.nn.external import adopt, describe
from aelatent.nn.train import load_model
from aelatent.outputs import expected

D, INPUT = 6, 16
MEAN, STD = [0.5, 0.4, 0.3], [0.25, 0.2, 0.3]


class Encoder(nn.Module):
    def __init__(self, dim: int = D, size: int = INPUT, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.conv = nn.Conv2d(3, 4, 3, 2, 1)
        self.fc = nn.Linear(4 * (size // 2) ** 2, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))


class Decoder(nn.Module):
    def __init__(self, dim: int = D, size: int = INPUT):
        super().__init__()
        torch.manual_seed(1)
        self.fc = nn.Linear(dim, 3 * size * size)
        self.size = size

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.fc(z).view(-1, 3, self.size, self.size)


class Grid(nn.Module):
    """An encoder whose output is not one flat vector per image."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :2, :2].flatten(2)


def script(module: nn.Module, path):
    torch.jit.save(torch.jit.script(module), str(path))
    return str(path)


def settings(encoder, decoder=None, **over) -> dict:
    s = {"kind": "torchscript", "encoder": encoder, "decoder": decoder, "input_size": INPUT}
    return {**s, "input_mean": MEAN, "input_std": STD, **over}


def checked(cfg: dict) -> dict:
    return validate_config(with_defaults({"stats": {"n_dominant": 5}, **cfg}), model_schema())


@pytest.fixture
def files(tmp_path):
    return script(Encoder(), tmp_path / "enc.pt"), script(Decoder(), tmp_path / "dec.pt")


def test_describe_probes_the_encoder_and_passes_digests(files):
    enc, dec = files
    got = describe(settings(enc, dec), 32)
    assert got["latent_dim"] == D
    assert got["encoder"] == sha256_file(enc) and got["decoder"] == sha256_file(dec)
    models = checked({"model": settings(enc, dec), "dataset": {"image_size": 32}})
    assert models == {"ae": {**settings(sha256_file(enc), sha256_file(dec)), "latent_dim": D}}
    assert "filters_encoder" not in models["ae"]  # the architecture is the user's


def test_latents_equal_the_module_called_directly(tmp_path_factory, tmp_path, files):
    enc, dec = files
    images = image_store(tmp_path_factory, 60, 32, 20)
    cfg = describe(settings(enc, dec), 32)
    adopt(images, str(tmp_path / "model.pt"), {"encoder": enc, "decoder": dec}, cfg)
    model = load_model(str(tmp_path / "model.pt"), model_cfg=cfg)
    u8 = np.asarray(open_image_store(images)["images"][:])
    x = torch.from_numpy(u8).permute(0, 3, 1, 2).float() / 255
    small = F.interpolate(x, size=(INPUT, INPUT), mode="bilinear", antialias=True, align_corners=False)
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    direct = torch.jit.load(enc)
    with torch.inference_mode():
        want = direct((small - mean) / std)
        np.testing.assert_allclose(model.encode(x).numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
        faces = model.decode(want)
        back = torch.jit.load(dec)(want) * std + mean
        back = F.interpolate(
            back.clamp(0, 1), size=(32, 32), mode="bilinear", antialias=True, align_corners=False
        )
    assert faces.shape == (60, 3, 32, 32)
    np.testing.assert_allclose(faces.numpy(), back.numpy(), atol=1e-6)


def test_not_torchscript_is_refused_by_name(tmp_path, files):
    pickled = tmp_path / "pickled.pt"
    torch.save(Encoder(), pickled)
    with pytest.raises(InputError, match=r"model\.encoder '.*pickled\.pt' is a torch\.save file \(pickle\)"):
        describe(settings(str(pickled)), 32)
    exported = tmp_path / "exported.pt2"
    torch.export.save(torch.export.export(Encoder(), (torch.rand(2, 3, INPUT, INPUT),)), exported)
    with pytest.raises(InputError, match=r"model\.encoder '.*exported\.pt2' is a torch\.export archive"):
        describe(settings(str(exported)), 32)
    (tmp_path / "text.pt").write_text("not a model")
    with pytest.raises(InputError, match=r"model\.decoder '.*text\.pt' is not a TorchScript archive"):
        describe(settings(files[0], str(tmp_path / "text.pt")), 32)
    with pytest.raises(InputError, match=r"model\.encoder '.*missing\.pt' does not exist"):
        describe(settings(str(tmp_path / "missing.pt")), 32)


def test_wrong_shapes_are_refused_by_name(tmp_path, files):
    enc, dec = files
    grid = script(Grid(), tmp_path / "grid.pt")
    with pytest.raises(InputError, match=r"encoder '.*grid\.pt' gives \(2, 3, 4\) .* not \(batch, D\)"):
        describe(settings(grid), 32)
    with pytest.raises(InputError, match=r"fails on a batch of 2 images of 32 px .*set model\.input_size"):
        describe(settings(enc, input_size=None), 32)
    one = script(Encoder(dim=1), tmp_path / "one.pt")
    with pytest.raises(InputError, match=r"gives D = 1: the study needs D >= 2"):
        describe(settings(one), 32)
    other = script(Decoder(dim=5), tmp_path / "dec5.pt")
    with pytest.raises(InputError, match=r"decoder '.*dec5\.pt' fails on the encoder's \(2, 6\) vectors"):
        describe(settings(enc, other), 32)
    with pytest.raises(InputError, match=r"models\.mine\.kind: torchscript studies your own model alone"):
        checked({"models": {"mine": settings(enc), "ae": {}}})
    with pytest.raises(InputError, match=r"model\.kind: torchscript needs model\.encoder"):
        checked({"model": {"kind": "torchscript"}})


def test_registry_drops_training_and_without_a_decoder_decoding(files):
    cfg = with_defaults({"model": settings(*files)})
    with_dec = expected(cfg, {"ae": {**cfg["model"], "decoder": "digest"}})
    without = expected(cfg, {"ae": {**cfg["model"], "decoder": None}})
    assert "ae/model/model.pt" in with_dec and "ae/report/explorer.html" in with_dec
    for f in ("ae/model/metrics.tsv", "ae/figures/loss_curve.png", "ae/figures/reconstructions.png"):
        assert f not in with_dec and f not in without
    assert not {f for f in without if "decoded_" in f or "explorer" in f or "special_image" in f}
    assert "ae/stats/components.tsv" in without and "ae/figures/origin_views.png" in without


@pytest.mark.e2e
def test_workflow_on_your_own_encoder(tmp_path):
    work = copy_workflow(tmp_path)
    script(Encoder(), work / "enc.pt")
    script(Decoder(), work / "dec.pt")
    cfg = yaml.safe_load((ROOT / "config" / "tiny.yaml").read_text())
    cfg["model"] = settings("enc.pt", "dec.pt")
    (work / "config" / "own.yaml").write_text(yaml.safe_dump(cfg))
    plan = planned(work, "config/own.yaml")
    assert plan["adopt_model"] == 1 and not {"train_model", "plot_training"} & set(plan)
    snakemake(work, config="config/own.yaml")
    res = work / "results" / "tiny"
    for f in expected(with_defaults(cfg), {"ae": cfg["model"]}):
        assert (res / f).exists(), f
    assert not (res / "ae" / "model" / "metrics.tsv").exists()
    # the stored latents are the scripted module's on the stored images
    u8 = np.asarray(open_image_store(res / "data" / "images.zarr")["images"][:])
    x = torch.from_numpy(u8).permute(0, 3, 1, 2).float() / 255
    x = F.interpolate(x, size=(INPUT, INPUT), mode="bilinear", antialias=True, align_corners=False)
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    with torch.inference_mode():
        want = torch.jit.load(str(work / "enc.pt"))((x - mean) / std).numpy()
    z = np.asarray(open_latents(res / "ae" / "latents" / "z.zarr")[:])
    np.testing.assert_allclose(z, want, rtol=1e-5, atol=1e-6)
    report = snakemake(work, "--report", "report.html", config="config/own.yaml")
    text = " ".join((work / "report.html").read_text().replace("\\n", " ").split())
    assert report.returncode == 0 and "the TorchScript encoder enc.pt, applied to the synthetic" in text
    assert "the decoder dec.pt makes the decoded faces" in text
    # moved (a copy elsewhere, the config pointing at it) and touched: nothing to do
    (work / "models").mkdir()
    (work / "models" / "enc.pt").write_bytes((work / "enc.pt").read_bytes())
    moved = copy.deepcopy(cfg)
    moved["model"]["encoder"] = "models/enc.pt"
    (work / "config" / "own.yaml").write_text(yaml.safe_dump(moved))
    (work / "dec.pt").touch()
    assert planned(work, "config/own.yaml") == {}
    # another encoder of the same shape: from the model on, the images stay
    script(Encoder(seed=5), work / "models" / "enc.pt")
    plan = planned(work, "config/own.yaml")
    assert {"adopt_model", "create_latent_store", "encode_shard", "summarize"} <= set(plan)
    assert "prepare_images" not in plan
