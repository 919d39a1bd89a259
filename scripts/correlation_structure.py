from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.stats.structure import write_structure  # noqa: E402

i, o = snakemake.input, snakemake.output
write_structure(
    str(Path(i.store).parent), i.moments, i.components, i.hist, i.pairs, o.table, o.spectrum, o.gaussianity
)
