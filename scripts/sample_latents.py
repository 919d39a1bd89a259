from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.sample import write_sample  # noqa: E402

p = snakemake.params
write_sample(str(Path(snakemake.input.store).parent), snakemake.output[0], p.m, p.seed)
