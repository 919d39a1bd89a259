from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.io.latents import verify_latents  # noqa: E402

verify_latents(
    Path(snakemake.input.store).parent,
    list(snakemake.input.markers),
    snakemake.output[0],
)
