# Structured auto-encoder (Defferrard 2015): the CQT frames it studies and their clip folds,
# the kNN search (expensive: once per part, noise and K) and the weights + Laplacian (cheap:
# sigma, self-loops, kind), one fit per experiment point and part (all clips for the thesis
# protocol, each fold for the grouped one), one classification per point and protocol, then
# cheap exports. Experiment points are named wildcards (genrelearn.sae.points). Paper: the SAE
# section (macros_sae, its tables and figures) and its rows of the main accuracy table.


include: "sae_inputs.smk"


rule sae_frames:
    """CQT frames of the auto-encoder's genre subset, first max_frames of each stream."""
    input:
        frames=res("features/cqt.npz"),
        code=library_code("sae_frames"),
    output:
        frames=res("sae/frames.npz"),
    log:
        logs("sae_frames"),
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
        frames=res("sae/frames.npz"),
        code=library_code("sae_splits"),
    output:
        splits=res("sae/splits.json"),
    log:
        logs("sae_splits"),
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
        frames=res("sae/frames.npz"),
        splits=splits_if_fold,
        code=library_code("knn_search"),
    output:
        knn=res("graph/{part}/noise~{noise}/knn_k~{k}.npz"),
    log:
        logs("knn_search_{part}_noise~{noise}_k~{k}"),
    benchmark:
        benchmarks("knn_search_{part}_noise~{noise}_k~{k}")
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
        knn=res("graph/{part}/noise~{noise}/knn_k~{k}.npz"),
        code=library_code("graph_laplacian"),
    output:
        laplacian=res("graph/{part}/noise~{noise}/laplacian_k~{k}.npz"),
        stats=res("graph/{part}/noise~{noise}/laplacian_k~{k}.json"),
    log:
        logs("graph_laplacian_{part}_noise~{noise}_k~{k}"),
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


rule sae_fit:
    """Learn the dictionary and codes of a point on a part; code the part's held-out clips."""
    input:
        frames=res("sae/frames.npz"),
        splits=splits_if_fold,
        laplacian=laplacian_of_point,
        code=library_code("sae_fit"),
    output:
        codes=res("sae/{part}/{point}/codes.npz"),
        model=res("sae/{part}/{point}/model.npz"),
        history=res("sae/{part}/{point}/history.csv"),
    log:
        logs("sae_fit_{part}_{point}"),
    benchmark:
        benchmarks("sae_fit_{part}_{point}")
    wildcard_constraints:
        point=r"sae(_[a-z_]+~[-+.e0-9]+)*",
    conda:
        "../envs/sae.yaml"
    threads: config["sae"]["threads"]
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        n_jobs=config["sae"]["threads"],  # not the granted cores: see its schema
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
        frames=res("sae/frames.npz"),
        splits=splits_if_fold,
        code=library_code("cqt_codes"),
    output:
        codes=res("sae/{part}/{point}/codes.npz"),
    log:
        logs("cqt_codes_{part}_{point}"),
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
        scores=res("sae/eval/{point}/{protocol}/scores.csv"),
        summary=res("sae/eval/{point}/{protocol}/summary.json"),
    log:
        logs("sae_classify_{point}_{protocol}"),
    benchmark:
        benchmarks("sae_classify_{point}_{protocol}")
    conda:
        "../envs/classify.yaml"
    threads: 1  # as rule classify (rules/baselines.smk)
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


# ---- exports and figures: cheap local rules that read results and write the paper's inputs ----


rule export_sae:
    """Thesis table (beside the original's numbers), sweep table and macros of the SAE study."""
    input:
        **base_graph_files(),
        table=thesis_table_summaries(),
        sweep_summaries=sweep_summaries(),
        sweep_histories=sweep_histories(),
        base_history=res(f"sae/all/{BASE_POINT}/history.csv"),
        frames=res("sae/frames.npz"),
        published="paper/published/defferrard2015_table.csv",
        code=library_code("export_sae"),
    output:
        macros=gen("macros_sae.tex"),
        thesis=report(
            gen("table_sae_thesis.tex"),
            caption="../paper/captions/table_sae_thesis.rst",
            category="Structured auto-encoder",
        ),
        sweeps=report(
            gen("table_sae_sweeps.tex"),
            caption="../paper/captions/table_sae_sweeps.rst",
            category="Structured auto-encoder",
        ),
    log:
        logs("export_sae"),
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
            gen("fig_sae_{figure}.pdf"),
            caption="../paper/captions/sae.rst",
            category="Structured auto-encoder",
        ),
    log:
        logs("plot_sae_{figure}"),
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
