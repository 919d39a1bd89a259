# Figures only: every job here reads tables and arrays and writes figures, so a figures.* setting
# reruns these and nothing else.
FIG = config["figures"]
# The reference values figures draw: editing its other numbers reruns no figure.
REF = {
    k: config["reference"][k]
    for k in ["name", "dominant", "threshold_counts", "latent_dim", "sample_size"]
}
SAMPLE = rules.sample_latents.output[0]

# each pair-grid b's place in figures.b_values: the report lists the grids in that order (the
# registry's labels read it), the article's b = 4.0 first
B_RANK = {str(b): k + 1 for k, b in enumerate(FIG["b_values"])}


rule plot_pair_grid:
    input:
        **LATENTS,
        sample=SAMPLE,
        corr=rules.correlations.output.corr,
    output:
        out("pair_grid"),
    log:
        f"{M}/logs/plot_pair_grid/b{{b}}.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        num_stat=FIG["num_stat"],
        n_pairs=FIG["n_pairs"],
        special_index=FIG["special_index"],
        seed=config["seed"],
        dpi=FIG["dpi"],
        b_rank=lambda w: B_RANK[w.b],
        code=code("plot_pair_grid"),
    script:
        "../../scripts/plot_pair_grid.py"


if DECODER:

    rule plot_special_image:
        input:
            **LATENTS,
            images=rules.prepare_images.output[0],
            model=MODEL,
        output:
            out("special_image"),
        log:
            f"{M}/logs/plot_special_image.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        params:
            special_index=FIG["special_index"],
            dpi=FIG["dpi"],
            model=model_params,
            code=code("plot_special_image"),
        script:
            "../../scripts/plot_special_image.py"


rule plot_uncorrelated_pairs:
    input:
        **LATENTS,
        sample=SAMPLE,
        corr=rules.correlations.output.corr,
        components=rules.component_stats.output.table,
    output:
        out("uncorrelated_pairs"),
    log:
        f"{M}/logs/plot_uncorrelated_pairs/b{{b}}.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        points=FIG["uncorrelated_points"],
        num_stat=FIG["num_stat"],
        n_pairs=FIG["n_pairs"],
        special_index=FIG["special_index"],
        seed=config["seed"],
        dpi=FIG["dpi"],
        b_rank=lambda w: B_RANK[w.b],
        code=code("plot_uncorrelated_pairs"),
    script:
        "../../scripts/plot_uncorrelated_pairs.py"


rule plot_border_density:
    input:
        sample=SAMPLE,
        corr=rules.correlations.output.corr,
    output:
        out("border_density"),
    log:
        f"{M}/logs/plot_border_density.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        points=FIG["border_points"],
        n_pairs=FIG["n_pairs"],
        dpi=FIG["dpi"],
        code=code("plot_border_density"),
    script:
        "../../scripts/plot_border_density.py"


rule plot_distributions:
    input:
        hist=rules.component_stats.output.hist,
        components=rules.component_stats.output.table,
        corr=rules.correlations.output.corr,
        counts=rules.correlations.output.counts,
        moments=rules.merge_moments.output[0],
        sample=SAMPLE,
    output:
        hist=out("component_histograms"),
        heatmap=out("correlation_heatmap"),
        counts=out("threshold_counts_figure"),
    log:
        f"{M}/logs/plot_distributions.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        reference=REF,
        dpi=FIG["dpi"],
        code=code("plot_distributions"),
    script:
        "../../scripts/plot_distributions.py"


rule plot_structure:
    input:
        structure=rules.correlation_structure.output.table,
        spectrum=rules.correlation_structure.output.spectrum,
        gaussianity=rules.correlation_structure.output.gaussianity,
        corr=rules.correlations.output.corr,
        sample=SAMPLE,
    output:
        out("structure_figure"),
    log:
        f"{M}/logs/plot_structure.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        thresholds=config["stats"]["thresholds"],
        dpi=FIG["dpi"],
        code=code("plot_structure"),
    script:
        "../../scripts/plot_structure.py"


if IMAGES:

    rule plot_factor_correlations:
        input:
            rules.factor_correlations.output[0],
        output:
            out("factor_correlations_figure"),
        log:
            f"{M}/logs/plot_factor_correlations.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        params:
            dpi=FIG["dpi"],
            code=code("plot_factor_correlations"),
        script:
            "../../scripts/plot_factor_correlations.py"


rule plot_radii:
    input:
        table=rules.match_radii.output.table,
        arrays=rules.match_radii.output.arrays,
    output:
        out("radii_figure"),
    log:
        f"{M}/logs/plot_radii.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        dpi=FIG["dpi"],
        code=code("plot_radii"),
    script:
        "../../scripts/plot_radii.py"


rule plot_coverage:
    input:
        rules.coverage.output[0],
    output:
        out("coverage_figure"),
    log:
        f"{M}/logs/plot_coverage.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        dpi=FIG["dpi"],
        code=code("plot_coverage"),
    script:
        "../../scripts/plot_coverage.py"


rule plot_origin:
    input:
        table=rules.origin_border.output.table,
        arrays=rules.origin_border.output.arrays,
    output:
        figure=out("origin_figure"),
        views=out("origin_views"),
    log:
        f"{M}/logs/plot_origin.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        dpi=FIG["dpi"],
        code=code("plot_origin"),
    script:
        "../../scripts/plot_origin.py"
