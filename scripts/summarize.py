from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.report.summary import write_summary  # noqa: E402

p = snakemake.params
write_summary(
    dict(snakemake.input.items()),
    snakemake.output.html,
    snakemake.output.table,
    snakemake.output.digest,
    reference=p.reference,
    run_name=p.run,
    source=p.source,
    pair_threshold=p.pair_threshold,
    uniform_b=p.uniform_b,
)
