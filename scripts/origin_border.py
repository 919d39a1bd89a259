from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.vectors.origin import write_origin  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
write_origin(i.moments, i.sample, o.table, o.arrays, seed=p.seed, eigen_floor=p.eigen_floor)
