# Deep generative models: a DBN on |DFT| frames (Hamel & Eck 2010), a convolutional RBM and a
# convolutional VAE on mel patches (Jolif & Perkovic). The label-free fits for the main table
# (DBN, ConvRBM, VAE) use all clips' frames (transductive, like the SAE's thesis protocol; the
# paper says so next to the tables) and write clip vectors to results/<dataset>/learned/<model>/
# for the baselines' SVM; the DBN layer study fits everything per fold on training clips only.
# Settings: config key deep. Paper: its section (macros_deep, its tables and figures).


include: "deep_generative_inputs.smk"


rule deep_dbn:
    """Pretrain a DBN on all clips' |DFT| frames (no labels); windowed clip vectors."""
    input:
        frames=res("features/dft.npz"),
        code=library_code("deep_dbn"),
    output:
        vectors=res("learned/dbn/vectors.npz"),
        history=res("deep/dbn/pretrain_history.csv"),
    log:
        logs("deep_dbn"),
    benchmark:
        benchmarks("deep_dbn")
    conda:
        "../envs/deep.yaml"
    threads: config["deep"]["threads"]
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        n_jobs=config["deep"]["threads"],  # not the granted cores: see its schema
        dbn=deep_dbn_params(),
        frame_step=config["deep"]["dbn"]["frame_step"],
        window_seconds=config["deep"]["dbn"]["window_seconds"],
        device=config["deep"]["device"],
        seed=config["deep"]["seed"],
    script:
        "../scripts/deep_dbn.py"


rule deep_dbn_layers:
    """Per clip fold: pretrain, fine-tune; SVM on each layer's activations, frame vote."""
    input:
        frames=res("features/dft.npz"),
        code=library_code("deep_dbn_layers"),
    output:
        scores=res("deep/dbn/layers/scores.csv"),
        pretrain=res("deep/dbn/layers/pretrain_history.csv"),
        finetune=res("deep/dbn/layers/finetune_history.csv"),
    log:
        logs("deep_dbn_layers"),
    benchmark:
        benchmarks("deep_dbn_layers")
    conda:
        "../envs/deep.yaml"
    threads: config["deep"]["threads"]
    resources:
        mem_mb=6000,
        runtime=120,
    params:
        n_jobs=config["deep"]["threads"],  # not the granted cores: see its schema
        dbn=deep_dbn_params(),
        frame_step=config["deep"]["dbn"]["frame_step"],
        window_seconds=config["deep"]["dbn"]["window_seconds"],
        folds=config["deep"]["folds"],
        valid_fraction=config["deep"]["valid_fraction"],
        scaling=config["classify"]["scaling"],
        svm=config["classify"]["svm"],
        device=config["deep"]["device"],
        seed=config["deep"]["seed"],
    script:
        "../scripts/deep_dbn_layers.py"


rule deep_convrbm:
    """ConvRBM on all clips' mel patches (no labels); random forest per pooling variant."""
    input:
        frames=res("features/mel64.npz"),
        code=library_code("deep_convrbm"),
    output:
        vectors=res("learned/convrbm/vectors.npz"),
        scores=res("deep/convrbm/pooling_scores.csv"),
        history=res("deep/convrbm/history.csv"),
    log:
        logs("deep_convrbm"),
    benchmark:
        benchmarks("deep_convrbm")
    conda:
        "../envs/deep.yaml"
    threads: config["deep"]["threads"]
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        n_jobs=config["deep"]["threads"],  # not the granted cores: see its schema
        convrbm=config["deep"]["convrbm"],
        folds=config["deep"]["folds"],
        device=config["deep"]["device"],
        seed=config["deep"]["seed"],
    script:
        "../scripts/deep_convrbm.py"


rule deep_vae:
    """Convolutional VAE on all clips' mel patches (no labels); logistic regression probe."""
    input:
        frames=res("features/mel64.npz"),
        code=library_code("deep_vae"),
    output:
        vectors=res("learned/vae/vectors.npz"),
        scores=res("deep/vae/scores.csv"),
        history=res("deep/vae/history.csv"),
    log:
        logs("deep_vae"),
    benchmark:
        benchmarks("deep_vae")
    conda:
        "../envs/deep.yaml"
    threads: config["deep"]["threads"]
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        n_jobs=config["deep"]["threads"],  # not the granted cores: see its schema
        vae=config["deep"]["vae"],
        folds=config["deep"]["folds"],
        valid_fraction=config["deep"]["valid_fraction"],
        device=config["deep"]["device"],
        seed=config["deep"]["seed"],
    script:
        "../scripts/deep_vae.py"


# ---- exports and figures: cheap local rules that read results and write the paper's inputs ----


rule export_deep_generative:
    """Tables (DBN by layer beside Hamel's, ConvRBM poolings) and macros of the deep models."""
    input:
        unpack(deep_generative_results),
        published="paper/published/hamel2010_dbn.csv",
        code=library_code("export_deep_generative"),
    output:
        macros=gen("macros_deep.tex"),
        dbn=report(
            gen("table_dbn_layers.tex"),
            caption="../paper/captions/table_dbn_layers.rst",
            category="Deep generative models",
        ),
        convrbm=report(
            gen("table_convrbm.tex"),
            caption="../paper/captions/table_convrbm.rst",
            category="Deep generative models",
        ),
    log:
        logs("export_deep_generative"),
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
            gen("fig_deep_{figure}.pdf"),
            caption="../paper/captions/deep_generative.rst",
            category="Deep generative models",
        ),
    log:
        logs("plot_deep_{figure}"),
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
