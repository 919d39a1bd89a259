if download_targets():

    rule download_celeba:
        output:
            download_targets(),
        log:
            f"{R}/logs/download_celeba.log",
        localrule: True
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=240,
        params:
            path=config["dataset"]["path"],
            files=config["dataset"]["files"],
        script:
            "../../scripts/download_celeba.py"


if IMAGES:

    rule prepare_images:
        input:
            download_targets(),
        output:
            out("images"),
        log:
            f"{R}/logs/prepare_images.log",
        benchmark:
            f"{R}/benchmarks/prepare_images.tsv"
        conda:
            "../../envs/aelatent.yaml"
        threads: DS["threads"] or os.cpu_count()
        resources:
            mem_mb=4000,
            runtime=120,
        params:
            dataset=dataset_params(),
            seed=config["seed"],
            code=code("prepare_images"),
        script:
            "../../scripts/prepare_images.py"


if IMAGES:

    rule plot_sample_grid:
        input:
            rules.prepare_images.output[0],
        output:
            out("sample_grid"),
        log:
            f"{R}/logs/plot_sample_grid.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            n=64,
            dpi=config["figures"]["dpi"],
            code=code("plot_sample_grid"),
        script:
            "../../scripts/plot_sample_grid.py"
