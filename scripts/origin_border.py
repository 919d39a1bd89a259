from aelatent.logs import log_to

log_to(snakemake.log[0])

from aelatent import coverage  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
coverage.write_origin(i.moments, i.sample, o.table, o.figure, dpi=p.dpi)
