from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.nn.encode import encode_shard  # noqa: E402

p = snakemake.params
encode_shard(
    snakemake.input.images,
    snakemake.input.model,
    str(Path(snakemake.input.store).parent),
    snakemake.output[0],
    shard=int(snakemake.wildcards.k),
    shards=p.shards,
    batch_size=p.batch_size,
    device=p.device,
    threads=snakemake.threads,
)
