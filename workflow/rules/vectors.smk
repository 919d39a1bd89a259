VEC = config["vectors"]


rule generate_vectors:
    input:
        f"{R}/stats/sample.npz",
    output:
        f"{R}/vectors/{{generator}}.npy",
    log:
        f"{R}/logs/generate_vectors/{{generator}}.log",
    wildcard_constraints:
        generator="|".join(VEC["generators"]),
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
        model=f"{R}/model/ae.pt",
        vectors=f"{R}/vectors/{{generator}}.npy",
    output:
        figure(
            "decoded_{generator}",
            caption="../report/decoded.rst",
            category="5. Statistical vectors",
            labels={"generator": "{generator}"},
        ),
    log:
        f"{R}/logs/decode_vectors/{{generator}}.log",
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
        moments=f"{R}/stats/moments.npz",
        sample=f"{R}/stats/sample.npz",
        vectors=expand(f"{R}/vectors/{{g}}.npy", g=VEC["generators"]),
    output:
        table=report(
            f"{R}/coverage.tsv",
            caption="../report/coverage.rst",
            category="5. Statistical vectors",
        ),
        figure=figure(
            "coverage",
            caption="../report/coverage_figure.rst",
            category="5. Statistical vectors",
        ),
    log:
        f"{R}/logs/coverage.log",
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
        moments=f"{R}/stats/moments.npz",
        sample=f"{R}/stats/sample.npz",
    output:
        table=report(
            f"{R}/stats/origin.tsv",
            caption="../report/origin_table.rst",
            category="6. Origin and border",
        ),
        figure=figure(
            "origin",
            caption="../report/origin.rst",
            category="6. Origin and border",
        ),
    log:
        f"{R}/logs/origin_border.log",
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
