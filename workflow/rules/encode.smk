if IMAGES:

    rule create_latent_store:
        input:
            model=MODEL,
            images=rules.prepare_images.output[0],
        output:
            out("latents"),
        log:
            f"{M}/logs/create_latent_store.log",
        localrule: True
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        params:
            chunk_rows=config["encode"]["chunk_rows"],
            model=model_params,
            code=code("create_latent_store"),
        script:
            "../../scripts/create_latent_store.py"

    rule encode_shard:
        input:
            store=rules.create_latent_store.output[0],
            model=MODEL,
            images=rules.prepare_images.output[0],
        output:
            out("shard_marker"),
        log:
            f"{M}/logs/encode_shard/{{k}}.log",
        benchmark:
            f"{M}/benchmarks/encode_shard/{{k}}.tsv"
        wildcard_constraints:
            k=r"\d+",
        conda:
            "../../envs/aelatent.yaml"
        threads: 8 if GPU else 1
        resources:
            mem_mb=4000,
            runtime=60,
            gpu=GPU,
        params:
            shards=config["encode"]["shards"],
            batch_size=config["encode"]["batch_size"],
            device=config["device"],
            code=code("encode_shard"),
        script:
            "../../scripts/encode_shard.py"

    STORE, MARKER = rules.create_latent_store.output[0], rules.encode_shard.output[0]

else:

    # The user's own vectors instead of a model's: one job reads the file once to check every row
    # and once to write the store and every shard's marker, as encode_shard leaves them.
    rule import_latents:
        output:
            store=out("latents"),
            markers=expand(path("shard_marker"), k=SHARDS, allow_missing=True),
        log:
            f"{M}/logs/import_latents.log",
        benchmark:
            f"{M}/benchmarks/import_latents.tsv"
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=120,
        params:
            dataset=latents_params(),
            chunk_rows=config["encode"]["chunk_rows"],
            min_rows=config["stats"]["sample_size"],
            code=code("import_latents"),
        script:
            "../../scripts/import_latents.py"

    STORE, MARKER = rules.import_latents.output.store, path("shard_marker")


# Every row of z.zarr against its shard marker's sha256: a chunk lost or changed after encoding
# stops here, naming the shard and the marker to delete. Consumers of z.zarr take verified.json.
rule verify_latents:
    input:
        store=STORE,
        markers=expand(MARKER, k=SHARDS, allow_missing=True),
    output:
        out("verified"),
    log:
        f"{M}/logs/verify_latents.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        code=code("verify_latents"),
    script:
        "../../scripts/verify_latents.py"
