FIG = config["figures"]
PAIRS = "4. Component pairs"
# The reference values figures draw: editing its other numbers reruns no figure.
REF = {
    k: config["reference"][k]
    for k in ["name", "dominant", "threshold_counts", "latent_dim", "sample_size"]
}


rule plot_pair_grid:
    input:
        sample=f"{R}/stats/sample.npz",
        pairs=f"{R}/stats/pairs.tsv",
        verified=f"{R}/latents/verified.json",
        store=f"{R}/latents/z.zarr/zarr.json",
    output:
        figure(
            "pair_grid_b{b}",
            caption="../report/pair_grid.rst",
            category=PAIRS,
            subcategory="correlated pairs",
            labels={"figure": "correlated pairs", "b": "{b}"},
        ),
    log:
        f"{R}/logs/plot_pair_grid/b{{b}}.log",
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
        code=code("plot_pair_grid"),
    script:
        "../../scripts/plot_pair_grid.py"


rule plot_uncorrelated_pairs:
    input:
        sample=f"{R}/stats/sample.npz",
        corr=f"{R}/stats/corr.npy",
        components=f"{R}/stats/components.tsv",
        verified=f"{R}/latents/verified.json",
        store=f"{R}/latents/z.zarr/zarr.json",
    output:
        figure(
            "uncorrelated_pairs_b{b}",
            caption="../report/uncorrelated_pairs.rst",
            category=PAIRS,
            subcategory="non-correlated pairs",
            labels={"figure": "non-correlated pairs", "b": "{b}"},
        ),
    log:
        f"{R}/logs/plot_uncorrelated_pairs/b{{b}}.log",
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
        code=code("plot_uncorrelated_pairs"),
    script:
        "../../scripts/plot_uncorrelated_pairs.py"


rule plot_border_density:
    input:
        sample=f"{R}/stats/sample.npz",
        pairs=f"{R}/stats/pairs.tsv",
    output:
        figure(
            "border_density",
            caption="../report/border_density.rst",
            category=PAIRS,
            subcategory="border density",
            labels={"figure": "border density", "b": "-"},
        ),
    log:
        f"{R}/logs/plot_border_density.log",
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
        hist=f"{R}/stats/histograms.npz",
        components=f"{R}/stats/components.tsv",
        corr=f"{R}/stats/corr.npy",
        counts=f"{R}/stats/threshold_counts.tsv",
        moments=f"{R}/stats/moments.npz",
        sample=f"{R}/stats/sample.npz",
    output:
        hist=figure(
            "component_histograms",
            caption="../report/component_histograms.rst",
            category="3. Statistics",
        ),
        heatmap=figure(
            "correlation_heatmap",
            caption="../report/correlation_heatmap.rst",
            category="3. Statistics",
        ),
        counts=figure(
            "threshold_counts",
            caption="../report/threshold_counts_figure.rst",
            category="3. Statistics",
        ),
    log:
        f"{R}/logs/plot_distributions.log",
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
        structure=f"{R}/stats/structure.tsv",
        spectrum=f"{R}/stats/spectrum.tsv",
        gaussianity=f"{R}/stats/gaussianity.tsv",
        corr=f"{R}/stats/corr.npy",
        sample=f"{R}/stats/sample.npz",
    output:
        figure(
            "structure",
            caption="../report/structure_figure.rst",
            category="3. Statistics",
        ),
    log:
        f"{R}/logs/plot_structure.log",
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


rule compare_radii:
    input:
        f"{R}/stats/sample.npz",
    output:
        table=report(
            f"{R}/stats/radii.tsv",
            caption="../report/radii_table.rst",
            category="5. Statistical vectors",
        ),
        figure=figure(
            "radii",
            caption="../report/radii.rst",
            category="5. Statistical vectors",
        ),
    log:
        f"{R}/logs/compare_radii.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        b_sweep=FIG["b_sweep"],
        seed=config["seed"],
        dpi=FIG["dpi"],
        code=code("compare_radii"),
    script:
        "../../scripts/compare_radii.py"


rule plot_factor_correlations:
    input:
        f"{R}/stats/factor_correlations.tsv",
    output:
        figure(
            "factor_correlations",
            caption="../report/factor_correlations_figure.rst",
            category="3. Statistics",
        ),
    log:
        f"{R}/logs/plot_factor_correlations.log",
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
