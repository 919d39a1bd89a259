from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.special import special_image  # noqa: E402

i, p = snakemake.input, snakemake.params
special_image(
    str(Path(i.store).parent),
    i.images,
    i.model,
    list(snakemake.output),
    special_index=p.special_index,
    dpi=p.dpi,
    model_cfg=p.model,
)
