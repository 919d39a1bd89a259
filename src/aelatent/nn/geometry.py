"""Convolutional geometry checks, importable without torch so the workflow can run them at start-up."""

from __future__ import annotations

from ..errors import InputError


def check_geometry(model: dict, image_size: int, key: str = "model") -> int:
    """Validate the conv geometry; return the spatial size of the innermost feature map. ``key``
    names the settings in messages (``models.<name>`` for one model of several)."""
    enc, dec = model["filters_encoder"], model["filters_decoder"]
    kernels, strides = model["kernel_sizes"], model["strides"]
    if not (len(enc) == len(dec) == len(kernels) == len(strides)):
        raise InputError(
            f"{key}.filters_encoder, {key}.filters_decoder, {key}.kernel_sizes and "
            f"{key}.strides must have the same length "
            f"(got {len(enc)}, {len(dec)}, {len(kernels)}, {len(strides)})"
        )
    if any(k % 2 == 0 for k in kernels):
        raise InputError(f"{key}.kernel_sizes must be odd (got {kernels})")
    size = image_size
    for i, s in enumerate(strides):
        if size % s:
            raise InputError(
                f"dataset.image_size={image_size} does not fit {key}.strides={strides}: "
                f"layer {i} gets {size} px, not divisible by stride {s}"
            )
        size //= s
    return size
