from aelatent.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures import plot_sample_grid  # noqa: E402

plot_sample_grid(snakemake.input[0], snakemake.output[0], n=snakemake.params.n, dpi=snakemake.params.dpi)
