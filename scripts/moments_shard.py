from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.shards import shard_moments  # noqa: E402

shard_moments(
    str(Path(snakemake.input.store).parent), snakemake.input.marker, snakemake.output[0], snakemake.threads
)
