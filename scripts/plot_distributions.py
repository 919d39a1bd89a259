from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures import distributions  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
distributions.histograms(i.hist, i.components, o.hist, dpi=p.dpi, reference=p.reference)
distributions.heatmap(i.corr, i.components, o.heatmap, dpi=p.dpi)
distributions.threshold_figure(i.counts, i.moments, i.sample, o.counts, dpi=p.dpi, reference=p.reference)
