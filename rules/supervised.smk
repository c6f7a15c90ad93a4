# Supervised CNN/LSTM study (issue 7): genre classifiers on mel, chroma and their fused stack,
# raw and beat-synchronous (one job trains them all), then affect regressors from scratch, by
# transfer from the genre-trained backbones and multitask (one job; synthetic data only: GTZAN
# has no affect labels). Local export rules turn the results into the paper's tables, figures
# and macros. The frames come from rules/features.smk (kinds fused and fused_beat).


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
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
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
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        feature_set=config["supervised"]["affect"]["feature_set"],
        models=config["supervised"]["affect"]["models"],
        targets=config["supervised"]["affect"]["targets"],
        settings=supervised_settings(),
        device=config["supervised"]["device"],
        seed=config["supervised"]["seed"],
    script:
        "../scripts/supervised_affect.py"


rule export_supervised_features:
    """Mel and chroma of two genres, raw and beat-synced; table of their shapes."""
    input:
        fused="results/{dataset}/features/fused.npz",
        fused_beat="results/{dataset}/features/fused_beat.npz",
        code=library_code("export_supervised_features"),
    output:
        figure=report(
            "results/{dataset}/paper/generated/fig_supervised_spectrograms.pdf",
            caption="../paper/captions/supervised_spectrograms.rst",
            category="Supervised",
        ),
        shapes=report(
            "results/{dataset}/paper/generated/table_supervised_shapes.tex",
            caption="../paper/captions/table_supervised_shapes.rst",
            category="Supervised",
        ),
        macros="results/{dataset}/paper/generated/macros_supervised_features.tex",
    log:
        "results/{dataset}/logs/export_supervised_features.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        example_genres=supervised_example_genres(),
        cmap=config["figures"]["cmap"],
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/export_supervised_features.py"


rule export_supervised:
    """Tables, macros, learning curves and confusion matrix of the supervised models."""
    input:
        unpack(supervised_results),
        code=library_code("export_supervised"),
    output:
        classify=report(
            "results/{dataset}/paper/generated/table_supervised_classify.tex",
            caption="../paper/captions/table_supervised_classify.rst",
            category="Supervised",
        ),
        affect=report(
            "results/{dataset}/paper/generated/table_supervised_affect.tex",
            caption="../paper/captions/table_supervised_affect.rst",
            category="Supervised",
        ),
        macros="results/{dataset}/paper/generated/macros_supervised.tex",
        curves=report(
            "results/{dataset}/paper/generated/fig_supervised_curves.pdf",
            caption="../paper/captions/supervised_curves.rst",
            category="Supervised",
        ),
        confusion=report(
            "results/{dataset}/paper/generated/fig_supervised_confusion.pdf",
            caption="../paper/captions/supervised_confusion.rst",
            category="Supervised",
        ),
    log:
        "results/{dataset}/logs/export_supervised.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        settings=supervised_settings(),
        epochs=config["supervised"]["epochs"],
        patience=config["supervised"]["patience"],
        lr=config["supervised"]["lr"],
        max_frames=config["supervised"]["max_frames"],
        affect_feature_set=config["supervised"]["affect"]["feature_set"],
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/export_supervised.py"
