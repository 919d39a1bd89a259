from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.vectors import coverage_figure  # noqa: E402

coverage_figure(snakemake.input[0], list(snakemake.output), dpi=snakemake.params.dpi)
