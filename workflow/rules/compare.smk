# With several models: one table, page and figures setting them side by side. Each input is one
# file per model, in the order of config models (per_model, common.smk).
CMP = f"{R}/compare"
COMPARED = "0. Model comparison"  # sorted first in the report menu


if COMPARE:

    rule compare_models:
        input:
            metrics=per_model(f"{M}/model/metrics.tsv"),
            counts=per_model(f"{M}/stats/threshold_counts.tsv"),
            structure=per_model(f"{M}/stats/structure.tsv"),
            components=per_model(f"{M}/stats/components.tsv"),
            origin=per_model(f"{M}/stats/origin.tsv"),
            coverage=per_model(f"{M}/coverage.tsv"),
        output:
            table=report(
                f"{CMP}/models.tsv",
                caption="../report/compare_table.rst",
                category=COMPARED,
            ),
            html=report(
                f"{CMP}/summary.html",
                caption="../report/compare_summary.rst",
                category=COMPARED,
            ),
            thresholds=figure(
                "threshold_shares",
                COMPARED,
                base=CMP,
                caption="../report/compare_thresholds.rst",
            ),
            coverage=figure(
                "coverage",
                COMPARED,
                base=CMP,
                caption="../report/compare_coverage.rst",
            ),
        log:
            f"{CMP}/logs/compare_models.log",
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
            generators=config["vectors"]["generators"],
            dpi=config["figures"]["dpi"],
            code=code("compare_models"),
        script:
            "../../scripts/compare_models.py"

    rule plot_prior_faces:
        input:
            models=per_model(f"{M}/model/ae.pt"),
            vectors=per_model(f"{M}/vectors/standard_normal.npy"),
        output:
            figure(
                "prior_faces",
                COMPARED,
                base=CMP,
                caption="../report/compare_prior_faces.rst",
            ),
        log:
            f"{CMP}/logs/plot_prior_faces.log",
        conda:
            "../../envs/aelatent.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=5,
        params:
            models=list(MODELS),
            n=config["vectors"]["decode_grid"],
            dpi=config["figures"]["dpi"],
            code=code("plot_prior_faces"),
        script:
            "../../scripts/plot_prior_faces.py"
