FIG = config["figures"]
PAIRS = "4. Component pairs"
# The reference values figures draw: editing its other numbers reruns no figure.
REF = {
    k: config["reference"][k]
    for k in ["name", "dominant", "threshold_counts", "latent_dim", "sample_size"]
}


rule plot_pair_grid:
    input:
        sample=f"{M}/stats/sample.npz",
        pairs=f"{M}/stats/pairs.tsv",
        verified=f"{M}/latents/verified.json",
        store=f"{M}/latents/z.zarr/zarr.json",
    output:
        figure(
            "pair_grid_b{b}",
            caption="../report/pair_grid.rst",
            category=category(PAIRS),
            subcategory=category("correlated pairs"),
            labels={"figure": "correlated pairs", "b": "{b}"},
        ),
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
        code=code("plot_pair_grid"),
    script:
        "../../scripts/plot_pair_grid.py"


rule plot_uncorrelated_pairs:
    input:
        sample=f"{M}/stats/sample.npz",
        corr=f"{M}/stats/corr.npy",
        components=f"{M}/stats/components.tsv",
        verified=f"{M}/latents/verified.json",
        store=f"{M}/latents/z.zarr/zarr.json",
    output:
        figure(
            "uncorrelated_pairs_b{b}",
            caption="../report/uncorrelated_pairs.rst",
            category=category(PAIRS),
            subcategory=category("non-correlated pairs"),
            labels={"figure": "non-correlated pairs", "b": "{b}"},
        ),
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
        code=code("plot_uncorrelated_pairs"),
    script:
        "../../scripts/plot_uncorrelated_pairs.py"


rule plot_border_density:
    input:
        sample=f"{M}/stats/sample.npz",
        pairs=f"{M}/stats/pairs.tsv",
    output:
        figure(
            "border_density",
            caption="../report/border_density.rst",
            category=category(PAIRS),
            subcategory=category("border density"),
            labels={"figure": "border density", "b": "-"},
        ),
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
        hist=f"{M}/stats/histograms.npz",
        components=f"{M}/stats/components.tsv",
        corr=f"{M}/stats/corr.npy",
        counts=f"{M}/stats/threshold_counts.tsv",
        moments=f"{M}/stats/moments.npz",
        sample=f"{M}/stats/sample.npz",
    output:
        hist=figure(
            "component_histograms",
            caption="../report/component_histograms.rst",
            category=category("3. Statistics"),
        ),
        heatmap=figure(
            "correlation_heatmap",
            caption="../report/correlation_heatmap.rst",
            category=category("3. Statistics"),
        ),
        counts=figure(
            "threshold_counts",
            caption="../report/threshold_counts_figure.rst",
            category=category("3. Statistics"),
        ),
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
        structure=f"{M}/stats/structure.tsv",
        spectrum=f"{M}/stats/spectrum.tsv",
        gaussianity=f"{M}/stats/gaussianity.tsv",
        corr=f"{M}/stats/corr.npy",
        sample=f"{M}/stats/sample.npz",
    output:
        figure(
            "structure",
            caption="../report/structure_figure.rst",
            category=category("3. Statistics"),
        ),
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


rule compare_radii:
    input:
        f"{M}/stats/sample.npz",
    output:
        table=report(
            f"{M}/stats/radii.tsv",
            caption="../report/radii_table.rst",
            category=category("5. Statistical vectors"),
        ),
        figure=figure(
            "radii",
            caption="../report/radii.rst",
            category=category("5. Statistical vectors"),
        ),
    log:
        f"{M}/logs/compare_radii.log",
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
        f"{M}/stats/factor_correlations.tsv",
    output:
        figure(
            "factor_correlations",
            caption="../report/factor_correlations_figure.rst",
            category=category("3. Statistics"),
        ),
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
