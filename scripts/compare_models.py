from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.plots.compare import plot_model_coverage, plot_threshold_shares  # noqa: E402
from aelatent.report.compare import PATH_KEYS, per_model, write_comparison  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
paths = per_model(p.models, {key: i[key] for key in PATH_KEYS})
rows = write_comparison(
    dict(p.models), paths, o.table, o.html, thresholds=p.thresholds, pair_threshold=p.pair_threshold
)
plot_threshold_shares(rows, p.thresholds, list(o.thresholds), p.dpi)
plot_model_coverage(rows, p.generators, list(o.coverage), p.dpi)
