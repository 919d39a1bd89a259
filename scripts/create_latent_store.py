from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.nn.encode import create_for_model  # noqa: E402

create_for_model(
    snakemake.input.images,
    snakemake.input.model,
    str(Path(snakemake.output[0]).parent),
    chunk_rows=snakemake.params.chunk_rows,
    model_cfg=snakemake.params.model,
)
