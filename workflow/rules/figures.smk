FIG = config["figures"]


rule plot_pair_grid:
    input:
        sample=f"{R}/stats/sample.npz",
        pairs=f"{R}/stats/pairs.tsv",
        store=f"{R}/latents/z.zarr/zarr.json",
    output:
        report(
            f"{R}/figures/pair_grid_b{{b}}.png",
            caption="../report/pair_grid.rst",
            category="4. Correlated pairs",
            labels={"figure": "pair grid", "b": "{b}"},
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
        store=f"{R}/latents/z.zarr/zarr.json",
    output:
        report(
            f"{R}/figures/uncorrelated_pairs.png",
            caption="../report/uncorrelated_pairs.rst",
            category="4. Correlated pairs",
            labels={"figure": "non-correlated pairs", "b": str(FIG["b_values"][0])},
        ),
    log:
        f"{R}/logs/plot_uncorrelated_pairs.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        b=FIG["b_values"][0],
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
        report(
            f"{R}/figures/border_density.png",
            caption="../report/border_density.rst",
            category="4. Correlated pairs",
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
        hist=report(
            f"{R}/figures/component_histograms.png",
            caption="../report/component_histograms.rst",
            category="3. Statistics",
        ),
        heatmap=report(
            f"{R}/figures/correlation_heatmap.png",
            caption="../report/correlation_heatmap.rst",
            category="3. Statistics",
        ),
        counts=report(
            f"{R}/figures/threshold_counts.png",
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
        dpi=FIG["dpi"],
        code=code("plot_distributions"),
    script:
        "../../scripts/plot_distributions.py"


rule compare_radii:
    input:
        f"{R}/stats/sample.npz",
    output:
        table=report(
            f"{R}/stats/radii.tsv",
            caption="../report/radii_table.rst",
            category="5. Statistical vectors",
        ),
        figure=report(
            f"{R}/figures/radii.png",
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
        report(
            f"{R}/figures/factor_correlations.png",
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
