from aelatent.logs import log_to

log_to(snakemake.log[0])

from aelatent.dataset import prepare_images  # noqa: E402

prepare_images(snakemake.params.dataset, snakemake.output[0], snakemake.threads, snakemake.params.seed)
