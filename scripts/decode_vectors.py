from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.decoded import decoded  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
decoded(
    i.model,
    i.vectors,
    list(o),
    grid=p.grid,
    generator=snakemake.wildcards.generator,
    dpi=p.dpi,
    model_cfg=p.model,
)
