from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.report.tables import render_tables  # noqa: E402

tables, pages = dict(snakemake.input.items()), dict(snakemake.output.items())
render_tables([tables[name] for name in pages], list(pages.values()))
