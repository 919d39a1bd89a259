# The numbers and pages a reader starts from: the correlation structure, the summary page, and
# every table as a page the report can show (TABLES, from common.smk).


rule correlation_structure:
    input:
        verified=f"{R}/latents/verified.json",
        store=f"{R}/latents/z.zarr/zarr.json",
        moments=f"{R}/stats/moments.npz",
        components=f"{R}/stats/components.tsv",
        pairs=f"{R}/stats/pairs.tsv",
    output:
        table=f"{R}/stats/structure.tsv",
        spectrum=f"{R}/stats/spectrum.tsv",
        gaussianity=f"{R}/stats/gaussianity.tsv",
    log:
        f"{R}/logs/correlation_structure.log",
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
        structure=f"{R}/stats/structure.tsv",
        counts=f"{R}/stats/threshold_counts.tsv",
        pairs=f"{R}/stats/pairs.tsv",
        dominant=f"{R}/stats/dominant_components.tsv",
        special=f"{R}/stats/special_points.tsv",
        radii=f"{R}/stats/radii.tsv",
        origin=f"{R}/stats/origin.tsv",
        coverage=f"{R}/coverage.tsv",
        metrics=f"{R}/model/metrics.tsv",
        sample=f"{R}/stats/sample.npz",
    output:
        html=report(
            f"{R}/report/summary.html",
            caption="../report/summary.rst",
            category="0. Summary",
        ),
        table=f"{R}/report/summary.tsv",
    log:
        f"{R}/logs/summarize.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        reference=config["reference"],
        run=config["run"],
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
                f"{R}/tables/{name}.html",
                caption=f"../report/{caption}.rst",
                category=category,
            )
            for name, (_, category, caption) in TABLES.items()
        },
    log:
        f"{R}/logs/render_tables.log",
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
