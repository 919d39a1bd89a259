from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.nn.external import adopt, model_files  # noqa: E402

adopt(
    snakemake.input[0],
    snakemake.output.model,
    model_files(snakemake.config, snakemake.wildcards.model),
    snakemake.params.model,
)
