from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.data.fetch import fetch_celeba  # noqa: E402

fetch_celeba(snakemake.params.path, snakemake.params.files)
