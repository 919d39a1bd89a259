from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.vectors import origin_figure  # noqa: E402

i, o = snakemake.input, snakemake.output
origin_figure(i.table, i.arrays, list(o.figure), dpi=snakemake.params.dpi, out_views=list(o.views))
