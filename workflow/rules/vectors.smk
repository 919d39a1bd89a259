# Statistical vectors and where they, the real lengths and the origin sit against the real cloud:
# tables only (their figures are in figures.smk), plus the decoded faces of each generator.
VEC = config["vectors"]
CLOUD = {
    "moments": rules.merge_moments.output[0],
    "sample": rules.sample_latents.output[0],
}


rule match_radii:
    input:
        rules.sample_latents.output[0],
    output:
        table=out("radii"),
        arrays=out("radii_arrays"),
    log:
        f"{M}/logs/match_radii.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        b_sweep=VEC["b_sweep"],
        seed=config["seed"],
        code=code("match_radii"),
    script:
        "../../scripts/match_radii.py"


rule generate_vectors:
    input:
        sample=rules.sample_latents.output[0],
        # the uniform generator at the best-length b (vectors.uniform_b null) reads the radii table
        radii=lambda w: (
            expand(rules.match_radii.output.table, model=w.model)
            if w.generator == "uniform" and VEC["uniform_b"] is None
            else []
        ),
    output:
        out("vectors"),
    log:
        f"{M}/logs/generate_vectors/{{generator}}.log",
    wildcard_constraints:
        # every generator, so the comparison's N(0, I) faces exist whatever vectors.generators lists
        generator="|".join(GENERATORS),
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cfg=generator_params,
        seed=config["seed"],
        code=code("generate_vectors"),
    script:
        "../../scripts/generate_vectors.py"


if DECODER:

    rule decode_vectors:
        input:
            model=MODEL,
            vectors=rules.generate_vectors.output[0],
        output:
            out("decoded"),
        log:
            f"{M}/logs/decode_vectors/{{generator}}.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        params:
            grid=VEC["decode_grid"],
            dpi=config["figures"]["dpi"],
            model=model_params,
            code=code("decode_vectors"),
        script:
            "../../scripts/decode_vectors.py"


rule coverage:
    input:
        **CLOUD,
        vectors=expand(
            rules.generate_vectors.output[0],
            generator=VEC["generators"],
            allow_missing=True,
        ),
    output:
        out("coverage"),
    log:
        f"{M}/logs/coverage.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        names=VEC["generators"],
        seed=config["seed"],
        eigen_floor=VEC["eigen_floor"],
        code=code("coverage"),
    script:
        "../../scripts/coverage.py"


rule origin_border:
    input:
        **CLOUD,
    output:
        table=out("origin"),
        arrays=out("origin_arrays"),
    log:
        f"{M}/logs/origin_border.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        seed=config["seed"],
        eigen_floor=VEC["eigen_floor"],
        code=code("origin_border"),
    script:
        "../../scripts/origin_border.py"
