from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.vectors.radii import write_radii  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
write_radii(i[0], o.table, o.figure, b_sweep=p.b_sweep, seed=p.seed, dpi=p.dpi)
