from pathlib import Path

from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.explorer import explorer  # noqa: E402
from aelatent.nn.decode import decoder  # noqa: E402

i, o, p = snakemake.input, snakemake.output, snakemake.params
explorer(
    i.sample,
    i.components,
    i.moments,
    str(Path(i.store).parent),
    i.images,
    dict(zip(p.generators, i.vectors, strict=True)),
    o[0],
    decode=decoder(i.model, p.model),
    special_index=p.special_index,
    title=p.title,
    b_values=p.b_values,
    seed=p.seed,
    eigen_floor=p.eigen_floor,
    **p.page,
)
