"""Your own encoder (and decoder), saved with ``torch.jit.save``, used instead of a trained
autoencoder (``model.kind: torchscript``).

TorchScript archives are loaded by ``torch.jit.load``, which rebuilds TorchScript code and tensors
and never unpickles arbitrary Python objects. ``torch.export`` archives (``.pt2``) are refused:
``torch.export.load`` falls back to full pickle when its safe loader fails (its own warning: never
load one from an untrusted source), so they would run any code the file holds.

The modules are copied into the run's ``model.pt``, so its sha256 pins the code every later job
encodes and decodes with; they are applied to the run's images (uint8, ``dataset.image_size``)
resized to ``input_size`` and normalised with ``input_mean`` and ``input_std`` (of pixels in
[0, 1]); the decoder's output is un-normalised, clipped to [0, 1] and resized back.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
import zipfile
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InputError

log = logging.getLogger(__name__)

PROBE = 2  # images in the batch each module is tried on at start-up


def _archive_kind(data: bytes) -> str:
    """torchscript, export (a torch.export archive), pickle (torch.save) or unknown."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return "unknown"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    if any("/code/__torch__" in n for n in names) and any(n.endswith("constants.pkl") for n in names):
        return "torchscript"
    if any(
        n.endswith(("archive_format", "serialized_exported_program.json")) or "/models/" in n for n in names
    ):
        return "export"
    if any(n.endswith("data.pkl") for n in names):
        return "pickle"
    return "unknown"


_NOT_SCRIPT = {
    "export": "a torch.export archive: torch.export.load can fall back to full pickle, so it is not "
    "loaded; save the module with torch.jit.save(torch.jit.script(module), path) (or torch.jit.trace)",
    "pickle": "a torch.save file (pickle), not TorchScript: save the module with "
    "torch.jit.save(torch.jit.script(module), path) (or torch.jit.trace)",
    "unknown": "not a TorchScript archive (torch.jit.save writes one)",
}


def load_module(data: bytes, label: str, device: str | torch.device = "cpu") -> torch.jit.ScriptModule:
    """A TorchScript module from an archive's bytes, in eval mode; ``label`` names it in errors."""
    kind = _archive_kind(data)
    if kind != "torchscript":
        raise InputError(f"{label} is {_NOT_SCRIPT[kind]}")
    try:
        with warnings.catch_warnings():  # torch 2.14 deprecates TorchScript, still its pickle-free format
            warnings.simplefilter("ignore", FutureWarning)
            module = torch.jit.load(io.BytesIO(data), map_location=device)
    except Exception as exc:
        reason = " ".join(str(exc).split())[:200]
        raise InputError(
            f"{label} is a damaged TorchScript archive ({type(exc).__name__}: {reason})"
        ) from None
    return module.eval()


def digest(blob: bytes) -> str:
    """sha256 of a module's bytes: what the model's settings hold in place of its path."""
    return hashlib.sha256(blob).hexdigest()


def read_file(path: str | None, label: str) -> bytes | None:
    if path is None:
        return None
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{label} does not exist: point it at your torch.jit.save file")
    return p.read_bytes()


class OwnModel(nn.Module):
    """The user's encoder (and decoder) behind the autoencoder's interface: ``encode`` takes float
    NCHW images in [0, 1] at the run's size, ``decode`` gives them back."""

    def __init__(self, encoder, decoder, image_size: int, settings: dict, label: str = "encoder"):
        super().__init__()
        self.encoder, self.decoder, self.label = encoder, decoder, label
        self.image_size = image_size
        self.input_size = settings.get("input_size") or image_size
        self.register_buffer(
            "mean", torch.tensor(settings["input_mean"], dtype=torch.float32).view(1, 3, 1, 1)
        )
        self.register_buffer("std", torch.tensor(settings["input_std"], dtype=torch.float32).view(1, 3, 1, 1))

    def _resize(self, x: torch.Tensor, size: int) -> torch.Tensor:
        if x.shape[-2:] == (size, size):
            return x
        return F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        z = self.encoder((self._resize(x, self.input_size) - self.mean) / self.std)
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[0] != x.shape[0]:
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise InputError(
                f"{self.label} gives {shape} for a batch of {x.shape[0]} images, not (batch, D): "
                "return one flat latent vector per image"
            )
        return z.float()

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if self.decoder is None:
            raise InputError("this model has no decoder (model.decoder): nothing can be decoded")
        y = self.decoder(z)
        if not isinstance(y, torch.Tensor) or y.ndim != 4 or y.shape[:2] != (z.shape[0], 3):
            shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
            raise InputError(
                f"the decoder gives {shape} for {z.shape[0]} vectors, not (batch, 3, H, W) images"
            )
        return self._resize((y.float() * self.std + self.mean).clamp(0, 1), self.image_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def from_state(state: dict, device: str | torch.device = "cpu") -> OwnModel:
    """The user's model as a run's ``model.pt`` holds it (see ``adopt``)."""
    own, settings = state["own_model"], state["model_config"]
    encoder = load_module(own["encoder"], "the encoder in model.pt", device)
    decoder = load_module(own["decoder"], "the decoder in model.pt", device) if own["decoder"] else None
    return OwnModel(encoder, decoder, int(state["image_size"]), settings).to(device).eval()


def describe(settings: dict, image_size: int, key: str = "model") -> dict:
    """The settings the workflow passes for a torchscript model: the files replaced by their sha256
    (moving or touching a file reruns nothing; changing one reruns from the encoding on) and
    latent_dim, D of the encoder's output. Each module is loaded and run on a probe batch, so a
    file that is not TorchScript, or gives the wrong shape, stops the workflow before any job."""
    files = {role: settings.get(role) for role in ("encoder", "decoder")}
    if not files["encoder"]:
        raise InputError(f"{key}.kind: torchscript needs {key}.encoder: your torch.jit.save file")
    data = {role: read_file(p, f"{key}.{role} {p!r}") for role, p in files.items()}
    model = OwnModel(
        load_module(data["encoder"], f"{key}.encoder {files['encoder']!r}"),
        load_module(data["decoder"], f"{key}.decoder {files['decoder']!r}") if data["decoder"] else None,
        image_size,
        settings,
        label=f"{key}.encoder {files['encoder']!r}",
    )
    x = torch.rand(PROBE, 3, image_size, image_size)
    with torch.inference_mode():
        try:
            z = model.encode(x)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(
                f"{key}.encoder {files['encoder']!r} fails on a batch of {PROBE} images of "
                f"{model.input_size} px ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                f"set {key}.input_size to the size it takes"
            ) from None
        if z.shape[1] < 2:
            raise InputError(
                f"{key}.encoder {files['encoder']!r} gives D = {z.shape[1]}: the study needs D >= 2"
            )
        if model.decoder is not None:
            try:
                model.decode(z)
            except InputError as exc:
                raise InputError(f"{key}.decoder {files['decoder']!r}: {exc}") from None
            except Exception as exc:
                raise InputError(
                    f"{key}.decoder {files['decoder']!r} fails on the encoder's {tuple(z.shape)} "
                    f"vectors ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
                ) from None
    out = {k: v for k, v in settings.items() if k not in files}
    out.update({role: digest(blob) if blob else None for role, blob in data.items()})
    return {**out, "latent_dim": int(z.shape[1])}


def model_files(config: dict, name: str) -> dict:
    """The encoder and decoder paths of model ``name`` (its ``models`` entry over ``model``): the
    job reads them from the config, as its params hold only their digests."""
    merged = {**config["model"], **(config["models"][name] or {})}
    return {role: merged.get(role) for role in ("encoder", "decoder")}


def adopt(images_path: str, out_model: str, files: dict, model_cfg: dict, *, n_check: int = 500) -> dict:
    """Write the run's ``model.pt`` for the user's model: both modules' bytes, the settings, the
    images digest and (with a decoder) the reconstruction error on the validation images beside
    the mean image's, so every later job reads it as it reads a trained model's."""
    from ..io.images import open_image_store
    from . import checkpoint
    from .model import to_input
    from .train import load_split

    data = {role: read_file(p, f"model.{role} {p!r}") for role, p in files.items()}
    for role, blob in data.items():
        if blob is not None and digest(blob) != model_cfg[role]:
            raise InputError(f"model.{role} {files[role]!r} changed since the workflow started: run it again")
    store = open_image_store(images_path)
    state = {
        "own_model": data,
        "model_config": model_cfg,
        "image_size": int(store["images"].shape[1]),
        "images_sha256": store.attrs["content_sha256"],
        "metrics": [],
        "quality": {},
    }
    model = from_state(state)
    if model.decoder is not None:
        check = load_split(store, 1, n_check)
        check = check if len(check) else load_split(store, 0, n_check)
        with torch.inference_mode():
            x = to_input(check)
            mse = float(((model(x) - x) ** 2).mean())
            mean_mse = float(((x.mean(0, keepdim=True) - x) ** 2).mean())
        state["quality"] = {"mse": mse, "mean_image_mse": mean_mse}
        log.info("reconstruction MSE %.5f on %d images; their mean image %.5f", mse, len(check), mean_mse)
    checkpoint.save_atomic(state, out_model)
    log.info(
        "adopted the encoder%s: D = %d", " and decoder" if data["decoder"] else "", model_cfg["latent_dim"]
    )
    return state
