if TRAINED:

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

    MODEL = rules.train_model.output.model


if IMAGES and not TRAINED:

    # The user's own TorchScript encoder (and decoder), copied into model.pt with the settings:
    # every later job reads it as a trained model. The files are read from the config by the job;
    # params carry their digests (common.smk: MODELS), so a moved or touched file reruns nothing.
    rule adopt_model:
        input:
            rules.prepare_images.output[0],
        output:
            model=out("model"),
        log:
            f"{M}/logs/adopt_model.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=4000,
            runtime=10,
        params:
            model=model_params,
            code=code("adopt_model"),
        script:
            "../../scripts/adopt_model.py"

    MODEL = rules.adopt_model.output.model


if TRAINED:

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
