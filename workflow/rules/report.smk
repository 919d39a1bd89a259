# The numbers and pages a reader starts from: the correlation structure, the summary page, and
# every table as a page the report can show (TABLES, from common.smk).


rule correlation_structure:
    input:
        verified=f"{M}/latents/verified.json",
        store=f"{M}/latents/z.zarr/zarr.json",
        moments=f"{M}/stats/moments.npz",
        components=f"{M}/stats/components.tsv",
        pairs=f"{M}/stats/pairs.tsv",
    output:
        table=f"{M}/stats/structure.tsv",
        spectrum=f"{M}/stats/spectrum.tsv",
        gaussianity=f"{M}/stats/gaussianity.tsv",
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


rule summarize:
    input:
        structure=f"{M}/stats/structure.tsv",
        counts=f"{M}/stats/threshold_counts.tsv",
        pairs=f"{M}/stats/pairs.tsv",
        dominant=f"{M}/stats/dominant_components.tsv",
        special=f"{M}/stats/special_points.tsv",
        radii=f"{M}/stats/radii.tsv",
        origin=f"{M}/stats/origin.tsv",
        coverage=f"{M}/coverage.tsv",
        metrics=f"{M}/model/metrics.tsv",
        sample=f"{M}/stats/sample.npz",
    output:
        html=report(
            f"{M}/report/summary.html",
            caption="../report/summary.rst",
            category=category("0. Summary"),
        ),
        table=f"{M}/report/summary.tsv",
    log:
        f"{M}/logs/summarize.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        reference=config["reference"],
        run=lambda w: f"{config['run']}, model {w.model}",
        source=config["dataset"]["source"],
        pair_threshold=config["stats"]["pair_threshold"],
        code=code("summarize"),
    script:
        "../../scripts/summarize.py"


rule render_tables:
    input:
        **{name: tsv for name, (tsv, _, _) in TABLES.items()},
    output:
        **{
            name: report(
                f"{M}/tables/{name}.html",
                caption=f"../report/{caption}.rst",
                category=category,
            )
            for name, (_, category, caption) in TABLES.items()
        },
    log:
        f"{M}/logs/render_tables.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("render_tables"),
    script:
        "../../scripts/render_tables.py"
