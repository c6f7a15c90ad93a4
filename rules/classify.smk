# Classification stage: pool each clip's frames into vectors, then SVM under each protocol.


rule pool_features:
    """Aggregate every clip's frames into 2 x n_vectors vectors (the thesis pooling)."""
    input:
        frames="results/{dataset}/features/{feature}.npz",
        code=library_code("pool_features"),
    output:
        vectors="results/{dataset}/classify/{feature}/vectors.npz",
    log:
        "results/{dataset}/logs/pool_features_{feature}.log",
    conda:
        "../envs/classify.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        n_vectors=config["classify"]["pooling"]["n_vectors"],
        method=pooling_method,
    script:
        "../scripts/pool_features.py"


rule classify:
    """Score a linear SVM on the first n genres under one protocol (or published split).

    The vectors are a raw feature's pooled frames or a learned method's clip vectors.
    """
    input:
        vectors=vectors_for,
        split=split_for_protocol,
        code=library_code("classify"),
    output:
        scores="results/{dataset}/classify/{feature}/g{ngenres}/{protocol}/scores.csv",
        summary="results/{dataset}/classify/{feature}/g{ngenres}/{protocol}/summary.json",
    log:
        "results/{dataset}/logs/classify_{feature}_g{ngenres}_{protocol}.log",
    benchmark:
        "results/{dataset}/benchmarks/classify_{feature}_g{ngenres}_{protocol}.tsv"
    conda:
        "../envs/classify.yaml"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        genres=subset_genres,
        protocol="{protocol}",
        settings=protocol_settings,
        scaling=config["classify"]["scaling"],
        svm=config["classify"]["svm"],
        seed=config["classify"]["seed"],
    script:
        "../scripts/classify.py"
