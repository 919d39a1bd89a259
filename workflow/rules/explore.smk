# The explorer page: any pair of components, any point and its face, in one self-contained file.
# A page job: it reads the figures' settings and explorer.*, and no table job reads either. The
# correlation matrix comes from the moments (as corr.npy does), so stats.pair_threshold and the
# subset counts do not rerun it.


if DECODER:

    rule build_explorer:
        input:
            **LATENTS,
            sample=rules.sample_latents.output[0],
            components=rules.component_stats.output.table,
            moments=rules.merge_moments.output[0],
            images=rules.prepare_images.output[0],
            model=MODEL,
            vectors=expand(
                rules.generate_vectors.output[0],
                generator=config["vectors"]["generators"],
                allow_missing=True,
            ),
        output:
            out("explorer"),
        log:
            f"{M}/logs/build_explorer.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 2
        resources:
            mem_mb=3000,
            runtime=10,
        params:
            title=lambda w: f"run {config['run']}, model {w.model}",
            generators=config["vectors"]["generators"],
            special_index=config["figures"]["special_index"],
            b_values=config["figures"]["b_values"],
            seed=config["seed"],
            eigen_floor=config["vectors"]["eigen_floor"],
            page=config["explorer"],
            model=model_params,
            code=code("build_explorer"),
        script:
            "../../scripts/build_explorer.py"
