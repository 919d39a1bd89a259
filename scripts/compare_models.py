from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.report.model_comparison import PATH_KEYS, per_model, write_comparison  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
paths = per_model(p.models, {key: i[key] for key in PATH_KEYS})
write_comparison(
    dict(p.models), paths, o.table, o.html, thresholds=p.thresholds, pair_threshold=p.pair_threshold
)
