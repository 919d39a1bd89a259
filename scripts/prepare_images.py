from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.data.prepare import prepare_images  # noqa: E402

# The source's location is read from the config, not params: its content fingerprint is in
# params, so a dataset moved elsewhere (same files) does not rerun this job.
p = snakemake.params
prepare_images(
    p.dataset,
    snakemake.output[0],
    path=snakemake.config["dataset"]["path"],
    threads=snakemake.threads,
    seed=p.seed,
)
