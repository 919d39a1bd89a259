from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.correlations import write_correlations  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
write_correlations(
    str(Path(i.store).parent),
    i.moments,
    i.sample,
    o.counts,
    o.pairs,
    o.corr,
    thresholds=p.thresholds,
    pair_threshold=p.pair_threshold,
    subsets=p.subsets,
    seed=p.seed,
    threads=snakemake.threads,
)
