from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.io.latents import rows_to_use  # noqa: E402
from aelatent.stats.sample import write_sample  # noqa: E402

p = snakemake.params
store = str(Path(snakemake.input.store).parent)
write_sample(store, snakemake.output[0], rows_to_use(store, p.m, "stats.sample_size"), p.seed)
