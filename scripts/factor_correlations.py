from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.factors import write_factor_correlations  # noqa: E402

i = snakemake.input
write_factor_correlations(str(Path(i.store).parent), i.images, snakemake.output[0])
