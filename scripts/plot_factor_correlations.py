from aelatent.logs import log_to

log_to(snakemake.log[0])

from aelatent import study  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
study.factor_figure(i[0], o[0], dpi=p.dpi)
