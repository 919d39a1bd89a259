from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.shards import shard_moments  # noqa: E402

i = snakemake.input
shard_moments(
    str(Path(i.store).parent),
    i.marker,
    snakemake.output[0],
    shards=snakemake.params.shards,
    threads=snakemake.threads,
)
