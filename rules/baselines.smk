# Baselines: pool each clip's frames into vectors, then a linear SVM under each protocol on
# the first n genres; the same SVM scores the clip vectors the other studies write to
# results/<dataset>/learned/<method>/vectors.npz (config classify.learned). Paper: the main
# accuracy and per-class tables, the confusion figure.


include: "baselines_inputs.smk"


rule pool_features:
    """Aggregate every clip's frames into 2 x n_vectors vectors (the thesis pooling)."""
    input:
        frames=res("features/{feature}.npz"),
        code=library_code("pool_features"),
    output:
        vectors=res("classify/{feature}/vectors.npz"),
    log:
        logs("pool_features_{feature}"),
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
        scores=res("classify/{feature}/g{ngenres}/{protocol}/scores.csv"),
        summary=res("classify/{feature}/g{ngenres}/{protocol}/summary.json"),
    log:
        logs("classify_{feature}_g{ngenres}_{protocol}"),
    benchmark:
        benchmarks("classify_{feature}_g{ngenres}_{protocol}")
    conda:
        "../envs/classify.yaml"
    # One core: worker processes (each importing scikit-learn) cost more than they save on the
    # default study's short SVM fits, and one-core jobs side by side keep every core busy. The
    # scores do not depend on it; profiles/slurm grants more.
    threads: 1
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


# ---- exports and figures: cheap local rules that read results and write the paper's inputs ----


rule export_classification:
    """Accuracy table, per-class table and macros from the classification summaries."""
    input:
        summaries=classification_summaries(),
        headline=headline_summary(),
        sae=sae_main_table_summaries,
        code=library_code("export_classification"),
    output:
        macros=gen("macros_classify.tex"),
        accuracy=report(
            gen("table_accuracy.tex"),
            caption="../paper/captions/table_accuracy.rst",
            category="Classification",
        ),
        perclass=report(
            gen("table_perclass.tex"),
            caption="../paper/captions/table_perclass.rst",
            category="Classification",
        ),
    log:
        logs("export_classification"),
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


rule plot_confusion:
    """Confusion matrix of the headline classifier (all genres, grouped protocol)."""
    input:
        summary=headline_summary(),
        code=library_code("plot_confusion"),
    output:
        figure=report(
            gen("fig_confusion.pdf"),
            caption="../paper/captions/confusion.rst",
            category="Classification",
        ),
    log:
        logs("plot_confusion"),
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
