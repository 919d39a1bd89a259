rule moments_shard:
    input:
        marker=f"{R}/latents/shards/{{k}}.json",
        store=f"{R}/latents/z.zarr/zarr.json",
    output:
        f"{R}/stats/moments/{{k}}.npz",
    params:
        lib=lib("moments", "stream", "latentstore"),
    log:
        f"{R}/logs/moments_shard/{{k}}.log",
    wildcard_constraints:
        k=r"\d+",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../../scripts/moments_shard.py"


rule merge_moments:
    input:
        expand(f"{R}/stats/moments/{{k}}.npz", k=SHARDS),
    output:
        f"{R}/stats/moments.npz",
    params:
        lib=lib("moments"),
    log:
        f"{R}/logs/merge_moments.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../../scripts/merge_moments.py"
