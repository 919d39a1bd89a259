rule moments_shard:
    input:
        marker=f"{M}/latents/shards/{{k}}.json",
        store=f"{M}/latents/z.zarr/zarr.json",
    output:
        f"{M}/stats/moments/{{k}}.npz",
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
        expand(f"{M}/stats/moments/{{k}}.npz", k=SHARDS, allow_missing=True),
    output:
        f"{M}/stats/moments.npz",
    log:
        f"{M}/logs/merge_moments.log",
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
        verified=f"{M}/latents/verified.json",
        store=f"{M}/latents/z.zarr/zarr.json",
    output:
        f"{M}/stats/sample.npz",
    log:
        f"{M}/logs/sample_latents.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        m=config["stats"]["sample_size"],
        seed=config["seed"],
        code=code("sample_latents"),
    script:
        "../../scripts/sample_latents.py"


rule component_stats:
    input:
        verified=f"{M}/latents/verified.json",
        store=f"{M}/latents/z.zarr/zarr.json",
        moments=f"{M}/stats/moments.npz",
    output:
        table=report(
            f"{M}/stats/components.tsv",
            caption="../report/components.rst",
            category=category("3. Statistics"),
        ),
        dominant=report(
            f"{M}/stats/dominant_components.tsv",
            caption="../report/dominant_components.rst",
            category=category("3. Statistics"),
        ),
        hist=f"{M}/stats/histograms.npz",
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
        bin_width=config["stats"]["hist_bin_width"],
        n_dominant=config["stats"]["n_dominant"],
        code=code("component_stats"),
    script:
        "../../scripts/component_stats.py"


rule correlations:
    input:
        verified=f"{M}/latents/verified.json",
        store=f"{M}/latents/z.zarr/zarr.json",
        moments=f"{M}/stats/moments.npz",
        sample=f"{M}/stats/sample.npz",
    output:
        counts=report(
            f"{M}/stats/threshold_counts.tsv",
            caption="../report/threshold_counts.rst",
            category=category("3. Statistics"),
        ),
        pairs=report(
            f"{M}/stats/pairs.tsv",
            caption="../report/pairs.rst",
            category=category("3. Statistics"),
        ),
        corr=f"{M}/stats/corr.npy",
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
        thresholds=config["stats"]["thresholds"],
        pair_threshold=config["stats"]["pair_threshold"],
        subsets=config["stats"]["subsets"],
        seed=config["seed"],
        code=code("correlations"),
    script:
        "../../scripts/correlations.py"


rule special_points:
    input:
        verified=f"{M}/latents/verified.json",
        store=f"{M}/latents/z.zarr/zarr.json",
        moments=f"{M}/stats/moments.npz",
        sample=f"{M}/stats/sample.npz",
        pairs=f"{M}/stats/pairs.tsv",
    output:
        report(
            f"{M}/stats/special_points.tsv",
            caption="../report/special_points.rst",
            category=category("3. Statistics"),
        ),
    log:
        f"{M}/logs/special_points.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        threshold_sd=config["stats"]["special_threshold_sd"],
        # the absolute limit counts only when no limit in std units is set
        threshold=(
            config["stats"]["special_threshold"]
            if config["stats"]["special_threshold_sd"] is None
            else None
        ),
        pair=config["stats"]["special_pair"],
        code=code("special_points"),
    script:
        "../../scripts/special_points.py"


rule factor_correlations:
    input:
        verified=f"{M}/latents/verified.json",
        store=f"{M}/latents/z.zarr/zarr.json",
        images=f"{R}/data/images.zarr",
    output:
        report(
            f"{M}/stats/factor_correlations.tsv",
            caption="../report/factor_correlations.rst",
            category=category("3. Statistics"),
        ),
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
