from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.factors import factor_figure  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
factor_figure(i[0], o[0], dpi=p.dpi)
