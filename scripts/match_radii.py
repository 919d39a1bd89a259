from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.vectors.radii import write_radii  # noqa: E402

o, p = snakemake.output, snakemake.params
write_radii(snakemake.input[0], o.table, o.arrays, b_sweep=p.b_sweep, seed=p.seed)
