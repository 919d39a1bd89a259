from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.vectors.generators import write_vectors  # noqa: E402

p = snakemake.params
write_vectors(
    snakemake.input[0], snakemake.output[0], generator=snakemake.wildcards.generator, cfg=p.cfg, seed=p.seed
)
