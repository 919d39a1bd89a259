from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.data.latents import import_latents  # noqa: E402

# The file's location is read from the config, not params: its content fingerprint is in params,
# so a file moved or copied elsewhere (same vectors) does not rerun this job.
p = snakemake.params
import_latents(
    snakemake.config["dataset"]["path"],
    Path(snakemake.output.store).parent,
    list(snakemake.output.markers),
    fmt=p.dataset["format"],
    settings=p.dataset["latents"],
    chunk_rows=p.chunk_rows,
    on_corrupt=p.dataset["on_corrupt"],
    min_rows=p.min_rows,
    content=p.dataset["content"],
)
