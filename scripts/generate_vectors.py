from aelatent.io.logs import log_to

log_to(snakemake.log[0])

from aelatent.vectors.generators import write_vectors  # noqa: E402

p, i = snakemake.params, snakemake.input
radii = i.get("radii", [])  # the radii table, for the uniform generator at the best b; else none
radii = [radii] if isinstance(radii, str) else list(radii)
write_vectors(
    i.sample,
    snakemake.output[0],
    generator=snakemake.wildcards.generator,
    cfg=p.cfg,
    seed=p.seed,
    radii_path=radii[0] if radii else None,
)
