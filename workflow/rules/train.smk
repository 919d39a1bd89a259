rule train_autoencoder:
    input:
        f"{R}/data/images.zarr",
    output:
        model=f"{M}/model/ae.pt",
        metrics=f"{M}/model/metrics.tsv",
    log:
        f"{M}/logs/train_autoencoder.log",
    benchmark:
        f"{M}/benchmarks/train_autoencoder.tsv"
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
        code=code("train_autoencoder"),
    script:
        "../../scripts/train_autoencoder.py"


rule plot_training:
    input:
        model=f"{M}/model/ae.pt",
        metrics=f"{M}/model/metrics.tsv",
        images=f"{R}/data/images.zarr",
    output:
        loss=figure(
            "loss_curve",
            caption="../report/loss_curve.rst",
            category=category("2. Training"),
        ),
        recon=figure(
            "reconstructions",
            caption="../report/reconstructions.rst",
            category=category("2. Training"),
        ),
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
        code=code("plot_training"),
    script:
        "../../scripts/plot_training.py"
