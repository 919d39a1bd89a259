from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.components import write_component_stats  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
write_component_stats(
    str(Path(i.store).parent),
    i.moments,
    o.table,
    o.dominant,
    o.hist,
    bin_width=p.bin_width,
    n_dominant=p.n_dominant,
)
