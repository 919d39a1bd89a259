# With several models: one table and page setting them side by side, and its figures. Each input
# is one file per model, in the order of config models (per_model, common.smk).
if COMPARE:

    rule compare_models:
        input:
            metrics=per_model("metrics"),
            counts=per_model("threshold_counts"),
            structure=per_model("structure"),
            components=per_model("components"),
            origin=per_model("origin"),
            coverage=per_model("coverage"),
        output:
            table=out("comparison"),
            html=out("comparison_page"),
        log:
            f"{R}/compare/logs/compare_models.log",
        localrule: True
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        params:
            models=MODELS,
            thresholds=config["stats"]["thresholds"],
            pair_threshold=config["stats"]["pair_threshold"],
            code=code("compare_models"),
        script:
            "../../scripts/compare_models.py"

    rule plot_model_comparison:
        input:
            rules.compare_models.output.table,
        output:
            thresholds=out("threshold_shares"),
            coverage=out("comparison_coverage"),
        log:
            f"{R}/compare/logs/plot_model_comparison.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        params:
            thresholds=config["stats"]["thresholds"],
            generators=config["vectors"]["generators"],
            dpi=config["figures"]["dpi"],
            code=code("plot_model_comparison"),
        script:
            "../../scripts/plot_model_comparison.py"

    rule plot_prior_faces:
        input:
            models=per_model("model"),
            vectors=expand(
                path("vectors"), model=list(MODELS), generator="standard_normal"
            ),
        output:
            out("prior_faces"),
        log:
            f"{R}/compare/logs/plot_prior_faces.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=5,
        params:
            models=MODELS,
            n=config["vectors"]["decode_grid"],
            dpi=config["figures"]["dpi"],
            code=code("plot_prior_faces"),
        script:
            "../../scripts/plot_prior_faces.py"
