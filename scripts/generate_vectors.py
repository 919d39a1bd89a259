from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.vectors.generators import write_vectors  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
write_vectors(i.moments, i.sample, o[0], generator=snakemake.wildcards.generator, cfg=p.cfg, seed=p.seed)
