from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.pairs import pair_grid  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
pair_grid(
    i.sample,
    i.corr,
    str(Path(i.store).parent),
    list(o),
    b=float(snakemake.wildcards.b),
    num_stat=p.num_stat,
    n_pairs=p.n_pairs,
    special_index=p.special_index,
    seed=p.seed,
    dpi=p.dpi,
)
