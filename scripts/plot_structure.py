from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.structure import structure_figure  # noqa: E402

i, p = snakemake.input, snakemake.params
structure_figure(
    i.structure,
    i.spectrum,
    i.gaussianity,
    i.corr,
    i.sample,
    list(snakemake.output),
    thresholds=p.thresholds,
    dpi=p.dpi,
)
