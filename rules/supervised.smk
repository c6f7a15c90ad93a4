# Supervised CNN/LSTM (the NTUA lab's study): genre classifiers on mel, chroma and their fused
# stack, raw and beat-synchronous (one job trains them all), then affect regressors from
# scratch, by transfer from the genre-trained backbones and multitask (one job). The frames
# come from the feature rules (kinds fused and fused_beat). Paper: its section
# (macros_supervised*, its tables and figures).


include: "supervised_inputs.smk"


rule supervised_classify:
    """Train and test every CNN/LSTM genre classifier on every mel/chroma feature set."""
    input:
        fused=res("features/fused.npz"),
        fused_beat=res("features/fused_beat.npz"),
        split=supervised_split_input,
        code=library_code("supervised_classify"),
    output:
        metrics=res("supervised/classify/metrics.json"),
        histories=res("supervised/classify/histories.csv"),
        predictions=res("supervised/classify/predictions.csv"),
        split=res("supervised/classify/split.csv"),
        sanity=res("supervised/classify/sanity.csv"),
        backbones=res("supervised/classify/backbones.pt"),
    log:
        logs("supervised_classify"),
    benchmark:
        benchmarks("supervised_classify")
    conda:
        "../envs/supervised.yaml"
    threads: config["supervised"]["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        n_jobs=config["supervised"]["threads"],  # not the granted cores: see its schema
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
        split=res("supervised/classify/split.csv"),
        backbones=res("supervised/classify/backbones.pt"),
        code=library_code("supervised_affect"),
    output:
        metrics=res("supervised/affect/metrics.json"),
        spearman=res("supervised/affect/spearman.csv"),
        histories=res("supervised/affect/histories.csv"),
        predictions=res("supervised/affect/predictions.csv"),
    log:
        logs("supervised_affect"),
    benchmark:
        benchmarks("supervised_affect")
    conda:
        "../envs/supervised.yaml"
    threads: config["supervised"]["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        n_jobs=config["supervised"]["threads"],  # not the granted cores: see its schema
        feature_set=config["supervised"]["affect"]["feature_set"],
        models=config["supervised"]["affect"]["models"],
        targets=config["supervised"]["affect"]["targets"],
        settings=supervised_settings(),
        device=config["supervised"]["device"],
        seed=config["supervised"]["seed"],
    script:
        "../scripts/supervised_affect.py"


# ---- exports and figures: cheap local rules that read results and write the paper's inputs ----


rule export_supervised_features:
    """Mel and chroma of two genres, raw and beat-synced; table of their shapes."""
    input:
        fused=res("features/fused.npz"),
        fused_beat=res("features/fused_beat.npz"),
        code=library_code("export_supervised_features"),
    output:
        figure=report(
            gen("fig_supervised_spectrograms.pdf"),
            caption="../paper/captions/supervised_spectrograms.rst",
            category="Supervised",
        ),
        shapes=report(
            gen("table_supervised_shapes.tex"),
            caption="../paper/captions/table_supervised_shapes.rst",
            category="Supervised",
        ),
        macros=gen("macros_supervised_features.tex"),
    log:
        logs("export_supervised_features"),
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
            gen("table_supervised_classify.tex"),
            caption="../paper/captions/table_supervised_classify.rst",
            category="Supervised",
        ),
        affect=report(
            gen("table_supervised_affect.tex"),
            caption="../paper/captions/table_supervised_affect.rst",
            category="Supervised",
        ),
        macros=gen("macros_supervised.tex"),
        curves=report(
            gen("fig_supervised_curves.pdf"),
            caption="../paper/captions/supervised_curves.rst",
            category="Supervised",
        ),
        confusion=report(
            gen("fig_supervised_confusion.pdf"),
            caption="../paper/captions/supervised_confusion.rst",
            category="Supervised",
        ),
    log:
        logs("export_supervised"),
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
