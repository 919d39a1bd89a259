from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.correlations import write_correlations  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
write_correlations(
    i.moments,
    i.sample,
    o.counts,
    o.pairs,
    o.corr,
    thresholds=p.thresholds,
    pair_threshold=p.pair_threshold,
    bootstrap=p.bootstrap,
    seed=p.seed,
)
