# Structured auto-encoder stage: one job per experiment point and part (all clips for the
# thesis protocol, each fold for the grouped one), then one classification job per point and
# protocol, then cheap exports.


rule sae_fit:
    """Learn the dictionary and codes of a point on a part; code the part's held-out clips."""
    input:
        frames="results/{dataset}/sae/frames.npz",
        splits=splits_if_fold,
        laplacian=laplacian_of_point,
        code=library_code("sae_fit"),
    output:
        codes="results/{dataset}/sae/{part}/{point}/codes.npz",
        model="results/{dataset}/sae/{part}/{point}/model.npz",
        history="results/{dataset}/sae/{part}/{point}/history.csv",
    log:
        "results/{dataset}/logs/sae_fit_{part}_{point}.log",
    benchmark:
        "results/{dataset}/benchmarks/sae_fit_{part}_{point}.tsv"
    wildcard_constraints:
        point=r"sae(_[a-z_]+~[-+.e0-9]+)*",
    conda:
        "../envs/sae.yaml"
    threads: config["sae"]["threads"]
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        torch_threads=config["sae"]["threads"],  # not the granted cores: see its schema
        fold=fold_of_part,
        point=point_params,
        solver=SAE_SOLVER,
        noise_seed=config["sae"]["noise_seed"],
        train_codes=train_codes_of_part,
    script:
        "../scripts/sae_fit.py"


rule cqt_codes:
    """The CQT baseline of a point: the scaled (noisy) frames themselves, no learning."""
    input:
        frames="results/{dataset}/sae/frames.npz",
        splits=splits_if_fold,
        code=library_code("cqt_codes"),
    output:
        codes="results/{dataset}/sae/{part}/{point}/codes.npz",
    log:
        "results/{dataset}/logs/cqt_codes_{part}_{point}.log",
    wildcard_constraints:
        point=r"cqt(_[a-z_]+~[-+.e0-9]+)*",
    conda:
        "../envs/sae.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        fold=fold_of_part,
        point=point_params,
        noise_seed=config["sae"]["noise_seed"],
    script:
        "../scripts/cqt_codes.py"


rule sae_classify:
    """Pool a point's codes and score the SVM under a protocol."""
    input:
        codes=codes_for_protocol,
        code=library_code("sae_classify"),
    output:
        scores="results/{dataset}/sae/eval/{point}/{protocol}/scores.csv",
        summary="results/{dataset}/sae/eval/{point}/{protocol}/summary.json",
    log:
        "results/{dataset}/logs/sae_classify_{point}_{protocol}.log",
    benchmark:
        "results/{dataset}/benchmarks/sae_classify_{point}_{protocol}.tsv"
    conda:
        "../envs/classify.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        protocol="{protocol}",
        parts=parts_for_protocol,
        point=point_params,
        settings=config["sae"]["thesis"],
        svm=config["classify"]["svm"],
        seed=config["classify"]["seed"],
    script:
        "../scripts/sae_classify.py"
