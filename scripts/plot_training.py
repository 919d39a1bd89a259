from aelatent.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures import plot_loss_curve, plot_reconstructions  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
plot_loss_curve(i.metrics, o.loss, dpi=p.dpi)
plot_reconstructions(i.model, i.images, o.recon, n=p.n, dpi=p.dpi)
