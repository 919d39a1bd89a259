from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.special import write_special_points  # noqa: E402

i, p = snakemake.input, snakemake.params
write_special_points(
    str(Path(i.store).parent),
    i.moments,
    i.sample,
    i.pairs,
    snakemake.output[0],
    threshold=p.threshold,
    threshold_sd=p.threshold_sd,
    pair=p.pair,
)
