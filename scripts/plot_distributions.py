from aelatent.logs import log_to

log_to(snakemake.log[0])

from aelatent import study  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
study.histograms(i.hist, i.components, o.hist, dpi=p.dpi)
study.heatmap(i.corr, o.heatmap, dpi=p.dpi)
study.threshold_figure(i.counts, i.moments, i.sample, o.counts, dpi=p.dpi)
