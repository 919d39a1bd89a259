# Every reader of z.zarr takes verified.json: its rows were checked against the shard markers.
LATENTS = {
    "verified": rules.verify_latents.output[0],
    "store": STORE,
}
ST = config["stats"]


rule moments_shard:
    input:
        marker=MARKER,
        store=STORE,
    output:
        out("shard_moments"),
    log:
        f"{M}/logs/moments_shard/{{k}}.log",
    wildcard_constraints:
        k=r"\d+",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        shards=config["encode"]["shards"],
        code=code("moments_shard"),
    script:
        "../../scripts/moments_shard.py"


rule merge_moments:
    input:
        expand(rules.moments_shard.output[0], k=SHARDS, allow_missing=True),
    output:
        out("moments"),
    log:
        f"{M}/logs/merge_moments.log",
    localrule: True
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("merge_moments"),
    script:
        "../../scripts/merge_moments.py"


rule sample_latents:
    input:
        **LATENTS,
    output:
        out("sample"),
    log:
        f"{M}/logs/sample_latents.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        m=ST["sample_size"],
        seed=config["seed"],
        code=code("sample_latents"),
    script:
        "../../scripts/sample_latents.py"


rule component_stats:
    input:
        **LATENTS,
        moments=rules.merge_moments.output[0],
    output:
        table=out("components"),
        dominant=out("dominant_components"),
        hist=out("histograms"),
    log:
        f"{M}/logs/component_stats.log",
    benchmark:
        f"{M}/benchmarks/component_stats.tsv"
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        bin_width=ST["hist_bin_width"],
        n_dominant=ST["n_dominant"],
        code=code("component_stats"),
    script:
        "../../scripts/component_stats.py"


rule correlations:
    input:
        **LATENTS,
        moments=rules.merge_moments.output[0],
        sample=rules.sample_latents.output[0],
    output:
        counts=out("threshold_counts"),
        pairs=out("pairs"),
        corr=out("corr"),
    log:
        f"{M}/logs/correlations.log",
    benchmark:
        f"{M}/benchmarks/correlations.tsv"
    conda:
        "../../envs/aelatent.yaml"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        thresholds=ST["thresholds"],
        pair_threshold=ST["pair_threshold"],
        subsets=ST["subsets"],
        seed=config["seed"],
        code=code("correlations"),
    script:
        "../../scripts/correlations.py"


rule special_points:
    input:
        **LATENTS,
        moments=rules.merge_moments.output[0],
        sample=rules.sample_latents.output[0],
        pairs=rules.correlations.output.pairs,
    output:
        out("special_points"),
    log:
        f"{M}/logs/special_points.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        threshold_sd=ST["special_threshold_sd"],
        # the absolute limit counts only when no limit in std units is set
        threshold=(
            ST["special_threshold"] if ST["special_threshold_sd"] is None else None
        ),
        pair=ST["special_pair"],
        code=code("special_points"),
    script:
        "../../scripts/special_points.py"


if IMAGES:

    rule factor_correlations:
        input:
            **LATENTS,
            images=rules.prepare_images.output[0],
        output:
            out("factor_correlations"),
        log:
            f"{M}/logs/factor_correlations.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=20,
        params:
            code=code("factor_correlations"),
        script:
            "../../scripts/factor_correlations.py"


# Comparisons that do not depend on how components are numbered.
rule correlation_structure:
    input:
        **LATENTS,
        moments=rules.merge_moments.output[0],
        components=rules.component_stats.output.table,
        hist=rules.component_stats.output.hist,
        pairs=rules.correlations.output.pairs,
    output:
        table=out("structure"),
        spectrum=out("spectrum"),
        gaussianity=out("gaussianity"),
    log:
        f"{M}/logs/correlation_structure.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        code=code("correlation_structure"),
    script:
        "../../scripts/correlation_structure.py"
