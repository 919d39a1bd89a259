from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.training import training_figures  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
training_figures(i.metrics, i.model, i.images, o.loss, o.recon, n=p.n, dpi=p.dpi, model_cfg=p.model)
