rule train_autoencoder:
    input:
        f"{R}/data/images.zarr",
    output:
        model=f"{R}/model/ae.pt",
        metrics=f"{R}/model/metrics.tsv",
    log:
        f"{R}/logs/train_autoencoder.log",
    benchmark:
        f"{R}/benchmarks/train_autoencoder.tsv"
    conda:
        "../../envs/aelatent.yaml"
    threads: config["train"]["threads"]
    resources:
        mem_mb=8000,
        runtime=600,
        gpu=GPU,
    params:
        model=dict(sorted(config["model"].items())),
        train=train_params(),
        seed=config["seed"],
        device=config["device"],
        checkpoint=f"{R}/model/checkpoint.pt",
        code=code("train_autoencoder"),
    script:
        "../../scripts/train_autoencoder.py"


rule plot_training:
    input:
        model=f"{R}/model/ae.pt",
        metrics=f"{R}/model/metrics.tsv",
        images=f"{R}/data/images.zarr",
    output:
        loss=figure(
            "loss_curve",
            caption="../report/loss_curve.rst",
            category="2. Training",
        ),
        recon=figure(
            "reconstructions",
            caption="../report/reconstructions.rst",
            category="2. Training",
        ),
    log:
        f"{R}/logs/plot_training.log",
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
