VEC = config["vectors"]


rule generate_vectors:
    input:
        f"{M}/stats/sample.npz",
    output:
        f"{M}/vectors/{{generator}}.npy",
    log:
        f"{M}/logs/generate_vectors/{{generator}}.log",
    wildcard_constraints:
        # every generator, so the comparison's N(0, I) faces exist whatever vectors.generators lists
        generator="|".join(GENERATORS),
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cfg=generator_params,
        seed=config["seed"],
        code=code("generate_vectors"),
    script:
        "../../scripts/generate_vectors.py"


rule decode_vectors:
    input:
        model=f"{M}/model/ae.pt",
        vectors=f"{M}/vectors/{{generator}}.npy",
    output:
        figure(
            "decoded_{generator}",
            caption="../report/decoded.rst",
            category=category("5. Statistical vectors"),
            labels={"generator": "{generator}"},
        ),
    log:
        f"{M}/logs/decode_vectors/{{generator}}.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        grid=VEC["decode_grid"],
        dpi=config["figures"]["dpi"],
        code=code("decode_vectors"),
    script:
        "../../scripts/decode_vectors.py"


rule coverage:
    input:
        moments=f"{M}/stats/moments.npz",
        sample=f"{M}/stats/sample.npz",
        vectors=expand(
            f"{M}/vectors/{{g}}.npy", g=VEC["generators"], allow_missing=True
        ),
    output:
        table=report(
            f"{M}/coverage.tsv",
            caption="../report/coverage.rst",
            category=category("5. Statistical vectors"),
        ),
        figure=figure(
            "coverage",
            caption="../report/coverage_figure.rst",
            category=category("5. Statistical vectors"),
        ),
    log:
        f"{M}/logs/coverage.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        names=VEC["generators"],
        seed=config["seed"],
        eigen_floor=VEC["eigen_floor"],
        dpi=config["figures"]["dpi"],
        code=code("coverage"),
    script:
        "../../scripts/coverage.py"


rule origin_border:
    input:
        moments=f"{M}/stats/moments.npz",
        sample=f"{M}/stats/sample.npz",
    output:
        table=report(
            f"{M}/stats/origin.tsv",
            caption="../report/origin_table.rst",
            category=category("6. Origin and border"),
        ),
        figure=figure(
            "origin",
            caption="../report/origin.rst",
            category=category("6. Origin and border"),
        ),
    log:
        f"{M}/logs/origin_border.log",
    conda:
        "../../envs/aelatent.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        seed=config["seed"],
        eigen_floor=VEC["eigen_floor"],
        dpi=config["figures"]["dpi"],
        code=code("origin_border"),
    script:
        "../../scripts/origin_border.py"
