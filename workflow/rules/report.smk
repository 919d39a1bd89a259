# The pages a reader starts from: the summary, and every table as a page (the registry's tables).


rule summarize:
    input:
        # training's losses, where a model was trained (not for source latents or your own model)
        **({"metrics": rules.train_model.output.metrics} if TRAINED else {}),
        structure=rules.correlation_structure.output.table,
        counts=rules.correlations.output.counts,
        pairs=rules.correlations.output.pairs,
        corr=rules.correlations.output.corr,
        dominant=rules.component_stats.output.dominant,
        special=rules.special_points.output[0],
        radii=rules.match_radii.output.table,
        origin=rules.origin_border.output.table,
        coverage=rules.coverage.output[0],
        sample=rules.sample_latents.output[0],
    output:
        html=out("summary"),
        table=out("summary_table"),
        digest=out("summary_digest"),
    log:
        f"{M}/logs/summarize.log",
    localrule: True
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
        uniform_b=config["vectors"]["uniform_b"],
        code=code("summarize"),
    script:
        "../../scripts/summarize.py"


rule render_tables:
    input:
        **{t: path(t) for t in shown_tables()},
    output:
        **{t: report_entry(OUTPUTS[t], f"{R}/{page_path(t)}") for t in shown_tables()},
    log:
        f"{M}/logs/render_tables.log",
    localrule: True
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
