# Paper stage: cheap export rules turn raw results into LaTeX macros, tables and figures; the
# paper rule lists every generated file as input and runs latexmk.


rule export_data_macros:
    """Numbers about the dataset and features: counts, durations, frame and window sizes."""
    input:
        tracks="results/{dataset}/tracks.csv",
        skipped="results/{dataset}/tracks_skipped.csv",
        split=split_summary_if_used,
        vectors=expand("results/{{dataset}}/classify/{feature}/vectors.npz", feature=FEATURES),
        cqt="results/{dataset}/features/cqt.npz",
        code=library_code("export_data_macros"),
    output:
        macros="results/{dataset}/paper/generated/macros_data.tex",
    log:
        "results/{dataset}/logs/export_data_macros.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        features=FEATURES,
        n_vectors=config["classify"]["pooling"]["n_vectors"],
        mel=config["features"]["mel"],
        mfcc=config["features"]["mfcc"],
        synth=config["synth"],
        source=config["dataset"]["source"],
        invalid_clips=config["dataset"]["invalid_clips"],
        gtzan_checksums=config["gtzan"]["archive"]["checksums"],
    script:
        "../scripts/export_data_macros.py"


rule export_classification:
    """Accuracy table, per-class table and macros from the classification summaries."""
    input:
        summaries=classification_summaries(),
        headline=headline_summary(),
        sae=sae_main_table_summaries(),
        code=library_code("export_classification"),
    output:
        macros="results/{dataset}/paper/generated/macros_classify.tex",
        accuracy=report(
            "results/{dataset}/paper/generated/table_accuracy.tex",
            caption="../paper/captions/table_accuracy.rst",
            category="Classification",
        ),
        perclass=report(
            "results/{dataset}/paper/generated/table_perclass.tex",
            caption="../paper/captions/table_perclass.rst",
            category="Classification",
        ),
    log:
        "results/{dataset}/logs/export_classification.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        features=CLASSIFIED,
        n_genres=config["classify"]["n_genres"],
        protocols=config["classify"]["protocols"],
        summary_keys=classification_keys(),
        thesis=config["classify"]["thesis"],
        grouped=config["classify"]["grouped"],
        fault_filtered=config["classify"]["fault_filtered"],
        svm=config["classify"]["svm"],
        sae_n_genres=config["sae"]["n_genres"],
    script:
        "../scripts/export_classification.py"


rule export_synth_table:
    """Tables of the synthetic genres' design (from the generator) and clip attributes."""
    input:
        audio=audio_root,
        code=library_code("export_synth_table"),
    output:
        design=report(
            "results/{dataset}/paper/generated/table_synth.tex",
            caption="../paper/captions/table_synth.rst",
            category="Data",
        ),
        attributes=report(
            "results/{dataset}/paper/generated/table_attributes.tex",
            caption="../paper/captions/table_attributes.rst",
            category="Data",
        ),
    log:
        "results/{dataset}/logs/export_synth_table.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        genres=GENRES,
        spread=config["synth"]["spread"],
    script:
        "../scripts/export_synth_table.py"


rule plot_spectrograms:
    """One clip per genre as a CQT or log-mel spectrogram."""
    input:
        frames="results/{dataset}/features/{feature}.npz",
        code=library_code("plot_spectrograms"),
    output:
        figure=report(
            "results/{dataset}/paper/generated/fig_spectrograms_{feature}.pdf",
            caption="../paper/captions/spectrograms.rst",
            category="Features",
        ),
    log:
        "results/{dataset}/logs/plot_spectrograms_{feature}.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        kind="{feature}",
        extractor=feature_params,
        example_clip=config["figures"]["example_clip"],
        cmap=config["figures"]["cmap"],
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/plot_spectrograms.py"


rule plot_confusion:
    """Confusion matrix of the headline classifier (all genres, grouped protocol)."""
    input:
        summary=headline_summary(),
        code=library_code("plot_confusion"),
    output:
        figure=report(
            "results/{dataset}/paper/generated/fig_confusion.pdf",
            caption="../paper/captions/confusion.rst",
            category="Classification",
        ),
    log:
        "results/{dataset}/logs/plot_confusion.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/plot_confusion.py"


rule paper:
    """Compile the paper with latexmk; fails on undefined references or citations."""
    input:
        tex="paper/paper.tex",
        bib="paper/refs.bib",
        sections=PAPER_SECTIONS,
        generated=[
            f"results/{{dataset}}/paper/generated/{Path(p).name}" for p in generated_paper_inputs()
        ],
        code=library_code("build_paper"),
    output:
        pdf=report(
            "results/{dataset}/paper/paper.pdf",
            caption="../paper/captions/paper.rst",
            category="Paper",
        ),
    log:
        "results/{dataset}/logs/paper.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        engine=config["paper"]["engine"],
    script:
        "../scripts/build_paper.py"


rule export_sae:
    """Thesis table (beside the original's numbers), sweep table and macros of the SAE study."""
    input:
        **base_graph_files(),
        table=thesis_table_summaries(),
        sweep_summaries=sweep_summaries(),
        sweep_histories=sweep_histories(),
        base_history=f"{RESULTS}/sae/all/{BASE_POINT}/history.csv",
        frames="results/{dataset}/sae/frames.npz",
        published="paper/published/defferrard2015_table.csv",
        code=library_code("export_sae"),
    output:
        macros="results/{dataset}/paper/generated/macros_sae.tex",
        thesis=report(
            "results/{dataset}/paper/generated/table_sae_thesis.tex",
            caption="../paper/captions/table_sae_thesis.rst",
            category="Structured auto-encoder",
        ),
        sweeps=report(
            "results/{dataset}/paper/generated/table_sae_sweeps.tex",
            caption="../paper/captions/table_sae_sweeps.rst",
            category="Structured auto-encoder",
        ),
    log:
        "results/{dataset}/logs/export_sae.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        table=THESIS_TABLE,
        sweeps=SWEEPS,
        protocols=config["sae"]["protocols"],
        base=POINTS[BASE_POINT],
        solver=SAE_SOLVER,
        max_frames=config["sae"]["max_frames"],
        n_folds=len(FOLD_PARTS),
        thesis_splits=config["sae"]["thesis"],
    script:
        "../scripts/export_sae.py"


rule plot_sae:
    """Figures of the SAE study: convergence, atoms, sweeps, codes of an example clip."""
    input:
        unpack(sae_figure_inputs),
        code=library_code("plot_sae"),
    output:
        figure=report(
            "results/{dataset}/paper/generated/fig_sae_{figure}.pdf",
            caption="../paper/captions/sae.rst",
            category="Structured auto-encoder",
        ),
    log:
        "results/{dataset}/logs/plot_sae_{figure}.log",
    wildcard_constraints:
        figure="convergence|atoms|sweeps|codes",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        figure="{figure}",
        sweeps=sweeps_of_figure,
        example_clip=example_clip_of_figure,
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/plot_sae.py"


# ---- randomly weighted CNNs, SVM and ELM back-ends ----------------------------------------------


rule export_random_cnn:
    """Table (front-end x SVM/ELM), macros and accuracy figure of the random-CNN study."""
    input:
        summary="results/{dataset}/deep/random_cnn/summary.json",
        published=random_cnn_published(),
        code=library_code("export_random_cnn"),
    output:
        macros="results/{dataset}/paper/generated/macros_random_cnn.tex",
        table=report(
            "results/{dataset}/paper/generated/table_random_cnn.tex",
            caption="../paper/captions/table_random_cnn.rst",
            category="Random CNNs",
        ),
        figure=report(
            "results/{dataset}/paper/generated/fig_random_cnn.pdf",
            caption="../paper/captions/random_cnn.rst",
            category="Random CNNs",
        ),
    log:
        "results/{dataset}/logs/export_random_cnn.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        settings={
            **RCNN,
            "scaling": config["deep"]["backends"]["scaling"],
            "svm": config["deep"]["backends"]["svm"],
            "elm": config["deep"]["backends"]["elm"],
            "mel12k": config["features"]["mel12k"],
            "mfcc120": config["features"]["mfcc120"],
        },
        dpi=config["figures"]["dpi"],
        main_table=[m for m in LEARNED if m.startswith("rcnn_")],
    script:
        "../scripts/export_random_cnn.py"


# ---- DBN, convolutional RBM, convolutional VAE: exports and figures -----------------


rule export_deep_generative:
    """Tables (DBN by layer beside Hamel's, ConvRBM poolings) and macros of the deep models."""
    input:
        unpack(deep_generative_results),
        published="paper/published/hamel2010_dbn.csv",
        code=library_code("export_deep_generative"),
    output:
        macros="results/{dataset}/paper/generated/macros_deep.tex",
        dbn=report(
            "results/{dataset}/paper/generated/table_dbn_layers.tex",
            caption="../paper/captions/table_dbn_layers.rst",
            category="Deep generative models",
        ),
        convrbm=report(
            "results/{dataset}/paper/generated/table_convrbm.tex",
            caption="../paper/captions/table_convrbm.rst",
            category="Deep generative models",
        ),
    log:
        "results/{dataset}/logs/export_deep_generative.log",
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        deep=config["deep"],
        dft=config["features"]["dft"],
        mel64=config["features"]["mel64"],
        source=config["dataset"]["source"],
        n_genres=max(config["classify"]["n_genres"]),
        grouped=config["classify"]["grouped"],
    script:
        "../scripts/export_deep_generative.py"


rule plot_deep_generative:
    """Training curves of the deep models, or t-SNE maps of their clip features."""
    input:
        unpack(deep_generative_figure_inputs),
        code=library_code("plot_deep_generative"),
    output:
        figure=report(
            "results/{dataset}/paper/generated/fig_deep_{figure}.pdf",
            caption="../paper/captions/deep_generative.rst",
            category="Deep generative models",
        ),
    log:
        "results/{dataset}/logs/plot_deep_{figure}.log",
    wildcard_constraints:
        figure="curves|tsne",
    localrule: True
    conda:
        "../envs/deep.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        figure="{figure}",
        perplexity=config["deep"]["tsne"]["perplexity"],
        seed=config["deep"]["seed"],
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/plot_deep_generative.py"


# ---- supervised CNN/LSTM ---------------------------------------------------------


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
