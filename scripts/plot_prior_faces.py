from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.figures.model_comparison import prior_faces  # noqa: E402

i, p = snakemake.input, snakemake.params
names = list(p.models)  # the models dict's keys, in the inputs' order
prior_faces(
    dict(zip(names, i.models, strict=True)),
    dict(zip(names, i.vectors, strict=True)),
    list(snakemake.output),
    n=p.n,
    dpi=p.dpi,
    model_cfgs=dict(p.models),
)
