from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.vectors import origin_figure  # noqa: E402

i = snakemake.input
origin_figure(i.table, i.arrays, list(snakemake.output), dpi=snakemake.params.dpi)
