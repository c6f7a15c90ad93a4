# Graph stage: the frames the structured auto-encoder studies, their clip folds, the kNN search
# (expensive, once per part/noise/K) and the weights + Laplacian (cheap: sigma, self-loops, kind).


rule sae_frames:
    """CQT frames of the auto-encoder's genre subset, first max_frames of each stream."""
    input:
        frames="results/{dataset}/features/cqt.npz",
        code=library_code("sae_frames"),
    output:
        frames="results/{dataset}/sae/frames.npz",
    log:
        "results/{dataset}/logs/sae_frames.log",
    conda:
        "../envs/sae.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        genres=SAE_GENRES,
        max_frames=config["sae"]["max_frames"],
    script:
        "../scripts/sae_frames.py"


rule sae_splits:
    """Stratified clip folds of the grouped protocol for learned features."""
    input:
        frames="results/{dataset}/sae/frames.npz",
        code=library_code("sae_splits"),
    output:
        splits="results/{dataset}/sae/splits.json",
    log:
        "results/{dataset}/logs/sae_splits.log",
    conda:
        "../envs/sae.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        n_repeats=config["sae"]["grouped"]["n_repeats"],
        n_splits=config["sae"]["grouped"]["n_splits"],
        seed=config["classify"]["seed"],
    script:
        "../scripts/sae_splits.py"


rule knn_search:
    """K nearest neighbours of every frame of a part (all clips, or a fold's training clips)."""
    input:
        frames="results/{dataset}/sae/frames.npz",
        splits=splits_if_fold,
        code=library_code("knn_search"),
    output:
        knn="results/{dataset}/graph/{part}/noise~{noise}/knn_k~{k}.npz",
    log:
        "results/{dataset}/logs/knn_search_{part}_noise~{noise}_k~{k}.log",
    benchmark:
        "results/{dataset}/benchmarks/knn_search_{part}_noise~{noise}_k~{k}.tsv"
    conda:
        "../envs/graph.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        fold=fold_of_part,
        noise="{noise}",
        noise_seed=config["sae"]["noise_seed"],
        k="{k}",
        backend=config["graph"]["backend"],
        seed=config["graph"]["seed"],
    script:
        "../scripts/knn_search.py"


rule graph_laplacian:
    """Gaussian weights exp(-d / sigma), max-symmetrisation and the Laplacian."""
    input:
        knn="results/{dataset}/graph/{part}/noise~{noise}/knn_k~{k}.npz",
        code=library_code("graph_laplacian"),
    output:
        laplacian="results/{dataset}/graph/{part}/noise~{noise}/laplacian_k~{k}.npz",
        stats="results/{dataset}/graph/{part}/noise~{noise}/laplacian_k~{k}.json",
    log:
        "results/{dataset}/logs/graph_laplacian_{part}_noise~{noise}_k~{k}.log",
    conda:
        "../envs/graph.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        csigma=config["graph"]["csigma"],
        self_loops=config["graph"]["self_loops"],
        kind=config["graph"]["laplacian"],
    script:
        "../scripts/graph_laplacian.py"
