# Randomly weighted CNNs (Pons & Serra 2018): front-ends with He-normal weights drawn from a
# seed (nothing is trained) on 12 kHz mel or waveform inputs, then SVM and ELM back-ends whose
# grids are chosen on training data only. Seed 0 of every front-end also gives clip vectors
# for the main accuracy table (config classify.learned: rcnn_<arch>). Paper: its section
# (macros_random_cnn, table_random_cnn, fig_random_cnn).


include: "random_cnn_inputs.smk"


rule random_cnn_features:
    """Feature vectors of every randomly weighted CNN front-end and seed, in one job.

    Nothing is trained: each front-end's He-normal weights come from its seed. Seed 0 of every
    front-end is also written as learned clip vectors for the main accuracy table.
    """
    input:
        unpack(random_cnn_inputs),
        code=library_code("random_cnn_features"),
    output:
        features=res("deep/random_cnn/features.npz"),
        meta=res("deep/random_cnn/features.json"),
        vectors=expand(res("learned/rcnn_{arch}/vectors.npz"), arch=RCNN_ARCHS),
    log:
        logs("random_cnn_features"),
    benchmark:
        benchmarks("random_cnn_features")
    conda:
        "../envs/random_cnn.yaml"
    threads: config["deep"]["threads"]
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        n_jobs=config["deep"]["threads"],  # not the granted cores: see its schema
        architectures=RCNN_ARCHS,
        budget=RCNN["budget"],
        n_seeds=RCNN["n_seeds"],
        crop_seconds=RCNN["crop_seconds"],
        batch_size=RCNN["batch_size"],
        device=RCNN["device"],
        frame_level_quirk=RCNN["frame_level_quirk"],
    script:
        "../scripts/random_cnn_features.py"


rule random_cnn_backends:
    """SVM and ELM (grids chosen on training data only) on every front-end, seed and MFCC."""
    input:
        features=res("deep/random_cnn/features.npz"),
        mfcc=res("features/mfcc120.npz"),
        split=random_cnn_split,
        code=library_code("random_cnn_backends"),
    output:
        scores=res("deep/random_cnn/scores.csv"),
        summary=res("deep/random_cnn/summary.json"),
    log:
        logs("random_cnn_backends"),
    benchmark:
        benchmarks("random_cnn_backends")
    conda:
        "../envs/random_cnn.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        protocols=RCNN_PROTOCOLS,
        grouped=config["deep"]["backends"]["grouped"],
        svm=config["deep"]["backends"]["svm"],
        elm=config["deep"]["backends"]["elm"],
        scaling=config["deep"]["backends"]["scaling"],
        seed=config["deep"]["backends"]["seed"],
    script:
        "../scripts/random_cnn_backends.py"


# ---- exports and figures: cheap local rules that read results and write the paper's inputs ----


rule export_random_cnn:
    """Table (front-end x SVM/ELM), macros and accuracy figure of the random-CNN study."""
    input:
        summary=res("deep/random_cnn/summary.json"),
        published=random_cnn_published,
        code=library_code("export_random_cnn"),
    output:
        macros=gen("macros_random_cnn.tex"),
        table=report(
            gen("table_random_cnn.tex"),
            caption="../paper/captions/table_random_cnn.rst",
            category="Random CNNs",
        ),
        figure=report(
            gen("fig_random_cnn.pdf"),
            caption="../paper/captions/random_cnn.rst",
            category="Random CNNs",
        ),
    log:
        logs("export_random_cnn"),
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
