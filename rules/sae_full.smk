# The thesis's full-scale experiment (config experiments.sae_full): one dictionary learned over
# every clip of its own frame subset, at its own point (the sae section with the experiment's
# overrides), and the raw CQT frames of the same subset as the baseline, both classified under
# the thesis protocol (transductive, as in the thesis). The same scripts as the SAE study's
# rules, under results/<dataset>/sae_full/. Paper: its paragraph (paper/sae_full.tex, read
# under "% only: sae_full"), macros_sae_full and table_sae_full; so its jobs run only when the
# experiment is enabled.


include: "sae_full_inputs.smk"


rule sae_full_frames:
    """CQT frames of the full-scale experiment: its genres, its frames per stream (null: all)."""
    input:
        frames=res("features/cqt.npz"),
        code=library_code("sae_frames"),
    output:
        frames=res("sae_full/frames.npz"),
    log:
        logs("sae_full_frames"),
    conda:
        "../envs/sae.yaml"
    threads: 1
    resources:
        mem_mb=sae_full_frames_mem_mb,
        runtime=30,
    params:
        genres=SAE_FULL_GENRES,
        max_frames=SAE_FULL["max_frames"],
    script:
        "../scripts/sae_frames.py"


rule sae_full_knn_search:
    """K nearest neighbours of every frame of the experiment (only when its point has a graph)."""
    input:
        frames=res("sae_full/frames.npz"),
        splits=[],
        code=library_code("knn_search"),
    output:
        knn=res("sae_full/graph/knn.npz"),
    log:
        logs("sae_full_knn_search"),
    benchmark:
        benchmarks("sae_full_knn_search")
    conda:
        "../envs/graph.yaml"
    threads: 2
    resources:
        mem_mb=sae_full_frames_mem_mb,
        runtime=240,
    params:
        fold=None,
        noise=SAE_FULL_BASE["noise"],
        noise_seed=SAE_FULL_SECTIONS["sae"]["noise_seed"],
        k=SAE_FULL_BASE["k"],
        backend=SAE_FULL_SECTIONS["graph"]["backend"],
        seed=SAE_FULL_SECTIONS["graph"]["seed"],
    script:
        "../scripts/knn_search.py"


rule sae_full_graph_laplacian:
    """Weights and Laplacian of the experiment's kNN graph."""
    input:
        knn=res("sae_full/graph/knn.npz"),
        code=library_code("graph_laplacian"),
    output:
        laplacian=res("sae_full/graph/laplacian.npz"),
        stats=res("sae_full/graph/laplacian.json"),
    log:
        logs("sae_full_graph_laplacian"),
    conda:
        "../envs/graph.yaml"
    threads: 1
    resources:
        mem_mb=16000,
        runtime=60,
    params:
        csigma=SAE_FULL_SECTIONS["graph"]["csigma"],
        self_loops=SAE_FULL_SECTIONS["graph"]["self_loops"],
        kind=SAE_FULL_SECTIONS["graph"]["laplacian"],
    script:
        "../scripts/graph_laplacian.py"


rule sae_full_fit:
    """Learn the full-scale dictionary and codes on all clips (the thesis's transductive fit)."""
    input:
        frames=res("sae_full/frames.npz"),
        splits=[],
        laplacian=sae_full_laplacian,
        code=library_code("sae_fit"),
    output:
        codes=res("sae_full/all/sae/codes.npz"),
        model=res("sae_full/all/sae/model.npz"),
        history=res("sae_full/all/sae/history.csv"),
    log:
        logs("sae_full_fit"),
    benchmark:
        benchmarks("sae_full_fit")
    conda:
        "../envs/sae.yaml"
    threads: config["sae"]["threads"]
    resources:
        mem_mb=sae_full_fit_mem_mb,
        runtime=24 * 60,  # the thesis: 10 h on 12 cores
    params:
        n_jobs=config["sae"]["threads"],  # not the granted cores: see its schema
        fold=None,
        point=SAE_FULL_POINTS["sae"],
        solver=SAE_FULL_SOLVER,
        noise_seed=SAE_FULL_SECTIONS["sae"]["noise_seed"],
        train_codes=None,
    script:
        "../scripts/sae_fit.py"


rule sae_full_cqt_codes:
    """The baseline: the scaled (noisy) CQT frames of the same clips, no learning."""
    input:
        frames=res("sae_full/frames.npz"),
        splits=[],
        code=library_code("cqt_codes"),
    output:
        codes=res("sae_full/all/cqt/codes.npz"),
    log:
        logs("sae_full_cqt_codes"),
    conda:
        "../envs/sae.yaml"
    threads: 1
    resources:
        mem_mb=sae_full_frames_mem_mb,
        runtime=30,
    params:
        fold=None,
        point=SAE_FULL_POINTS["cqt"],
        noise_seed=SAE_FULL_SECTIONS["sae"]["noise_seed"],
    script:
        "../scripts/cqt_codes.py"


rule sae_full_classify:
    """Pool the codes (or the frames) of all clips and score the SVM, thesis protocol."""
    input:
        codes=[res("sae_full/all/{point}/codes.npz")],  # a list, as the script reads parts
        frames=res("sae_full/frames.npz"),  # not read: its size sizes the job
        code=library_code("sae_classify"),
    output:
        scores=res("sae_full/eval/{point}/thesis/scores.csv"),
        summary=res("sae_full/eval/{point}/thesis/summary.json"),
    log:
        logs("sae_full_classify_{point}"),
    benchmark:
        benchmarks("sae_full_classify_{point}")
    wildcard_constraints:
        point="sae|cqt",
    conda:
        "../envs/classify.yaml"
    threads: 2
    resources:
        mem_mb=sae_full_classify_mem_mb,
        runtime=120,
    params:
        protocol="thesis",
        parts=["all"],
        point=sae_full_point,
        settings=config["sae"]["thesis"],
        svm=config["classify"]["svm"],
        seed=config["classify"]["seed"],
    script:
        "../scripts/sae_classify.py"


rule export_sae_full:
    """Macros and table of the full-scale experiment, beside the thesis's published numbers."""
    input:
        sae=sae_full_summary("sae"),
        cqt=sae_full_summary("cqt"),
        history=res("sae_full/all/sae/history.csv"),
        frames=res("sae_full/frames.npz"),  # its clip offsets only
        published="paper/published/defferrard2015_full.csv",
        code=library_code("export_sae_full"),
    output:
        macros=gen("macros_sae_full.tex"),
        table=report(
            gen("table_sae_full.tex"),
            caption="../paper/captions/table_sae_full.rst",
            category="Structured auto-encoder",
        ),
    log:
        logs("export_sae_full"),
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        point=SAE_FULL_POINTS["sae"],
        solver=SAE_FULL_SOLVER,
        n_genres=SAE_FULL["n_genres"],
        max_frames=SAE_FULL["max_frames"],
        thesis_splits=config["sae"]["thesis"],
    script:
        "../scripts/export_sae_full.py"
