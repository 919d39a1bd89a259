from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.nn.train import train  # noqa: E402

p = snakemake.params
train(
    snakemake.input[0],
    snakemake.output.model,
    snakemake.output.metrics,
    p.checkpoint,
    model_cfg=p.model,
    train_cfg=p.train,
    seed=p.seed,
    device=p.device,
    threads=snakemake.threads,
)
