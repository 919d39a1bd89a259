from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.vectors.coverage import write_coverage  # noqa: E402

i, p = snakemake.input, snakemake.params
write_coverage(
    i.moments,
    i.sample,
    i.vectors,
    p.names,
    snakemake.output[0],
    seed=p.seed,
    eigen_floor=p.eigen_floor,
)
