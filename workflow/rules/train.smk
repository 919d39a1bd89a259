if IMAGES:

    rule train_model:
        input:
            rules.prepare_images.output[0],
        output:
            model=out("model"),
            metrics=out("metrics"),
        log:
            f"{M}/logs/train_model.log",
        benchmark:
            f"{M}/benchmarks/train_model.tsv"
        conda:
            "../../envs/aelatent.yaml"
        threads: config["train"]["threads"]
        resources:
            mem_mb=8000,
            runtime=600,
            gpu=GPU,
        params:
            model=model_params,
            train=train_params(),
            seed=config["seed"],
            device=config["device"],
            checkpoint=f"{M}/model/checkpoint.pt",
            code=code("train_model"),
        script:
            "../../scripts/train_model.py"


if IMAGES:

    rule plot_training:
        input:
            model=rules.train_model.output.model,
            metrics=rules.train_model.output.metrics,
            images=rules.prepare_images.output[0],
        output:
            loss=out("loss_curve"),
            recon=out("reconstructions"),
        log:
            f"{M}/logs/plot_training.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            n=8,
            dpi=config["figures"]["dpi"],
            model=model_params,
            code=code("plot_training"),
        script:
            "../../scripts/plot_training.py"
