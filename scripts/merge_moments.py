from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.moments import Moments  # noqa: E402

Moments.combine(Moments.load(p) for p in snakemake.input).save(snakemake.output[0])
