from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.sample_grid import sample_grid  # noqa: E402

sample_grid(snakemake.input[0], list(snakemake.output), n=snakemake.params.n, dpi=snakemake.params.dpi)
