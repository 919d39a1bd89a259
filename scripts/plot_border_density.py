from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.pairs import border_grid  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
border_grid(i.sample, i.corr, list(o), points=p.points, n_pairs=p.n_pairs, dpi=p.dpi)
