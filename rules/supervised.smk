# Supervised CNN/LSTM study: genre classifiers on mel, chroma and their fused stack,
# raw and beat-synchronous (one job trains them all), then affect regressors from scratch, by
# transfer from the genre-trained backbones and multitask (one job; synthetic data only: GTZAN
# has no affect labels). Their local export rules (tables, figures, macros) are in
# rules/paper.smk. The frames come from rules/features.smk (kinds fused and fused_beat).


rule supervised_classify:
    """Train and test every CNN/LSTM genre classifier on every mel/chroma feature set."""
    input:
        fused="results/{dataset}/features/fused.npz",
        fused_beat="results/{dataset}/features/fused_beat.npz",
        split=supervised_split_input,
        code=library_code("supervised_classify"),
    output:
        metrics="results/{dataset}/supervised/classify/metrics.json",
        histories="results/{dataset}/supervised/classify/histories.csv",
        predictions="results/{dataset}/supervised/classify/predictions.csv",
        split="results/{dataset}/supervised/classify/split.csv",
        sanity="results/{dataset}/supervised/classify/sanity.csv",
        backbones="results/{dataset}/supervised/classify/backbones.pt",
    log:
        "results/{dataset}/logs/supervised_classify.log",
    benchmark:
        "results/{dataset}/benchmarks/supervised_classify.tsv"
    conda:
        "../envs/supervised.yaml"
    threads: config["supervised"]["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        torch_threads=config["supervised"]["threads"],  # not the granted cores: see its schema
        genres=GENRES,
        feature_sets=config["supervised"]["feature_sets"],
        models=config["supervised"]["models"],
        transfer_feature_set=config["supervised"]["affect"]["feature_set"],
        settings=supervised_settings(),
        n_splits=config["supervised"]["n_splits"],
        val_fraction=config["supervised"]["val_fraction"],
        overfit_steps=config["supervised"]["overfit_steps"],
        device=config["supervised"]["device"],
        seed=config["supervised"]["seed"],
    script:
        "../scripts/supervised_classify.py"


rule supervised_affect:
    """Affect regressors (energy, danceability, valence): scratch, transfer and multitask."""
    input:
        frames=supervised_affect_frames,
        audio=audio_root,
        split="results/{dataset}/supervised/classify/split.csv",
        backbones="results/{dataset}/supervised/classify/backbones.pt",
        code=library_code("supervised_affect"),
    output:
        metrics="results/{dataset}/supervised/affect/metrics.json",
        spearman="results/{dataset}/supervised/affect/spearman.csv",
        histories="results/{dataset}/supervised/affect/histories.csv",
        predictions="results/{dataset}/supervised/affect/predictions.csv",
    log:
        "results/{dataset}/logs/supervised_affect.log",
    benchmark:
        "results/{dataset}/benchmarks/supervised_affect.tsv"
    conda:
        "../envs/supervised.yaml"
    threads: config["supervised"]["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        torch_threads=config["supervised"]["threads"],  # not the granted cores: see its schema
        feature_set=config["supervised"]["affect"]["feature_set"],
        models=config["supervised"]["affect"]["models"],
        targets=config["supervised"]["affect"]["targets"],
        settings=supervised_settings(),
        device=config["supervised"]["device"],
        seed=config["supervised"]["seed"],
    script:
        "../scripts/supervised_affect.py"
