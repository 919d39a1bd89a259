from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.model_comparison import comparison_figures  # noqa: E402

o, p = snakemake.output, snakemake.params
comparison_figures(
    snakemake.input[0],
    list(o.thresholds),
    list(o.coverage),
    thresholds=p.thresholds,
    generators=p.generators,
    dpi=p.dpi,
)
