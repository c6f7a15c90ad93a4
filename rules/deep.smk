# Deep and random feature learners (issue 6): each family's rules fit or apply a model from
# genrelearn.models on a feature stage output and write per-clip vectors to
# results/<dataset>/learned/<method>/vectors.npz, which rules/classify.smk scores with the
# same SVM and protocols as the raw features (config key classify.learned).

# ---- deep belief network, convolutional RBM, convolutional VAE ----------------------------------

# ---- randomly weighted CNNs, SVM and ELM back-ends ----------------------------------------------


rule random_cnn_features:
    """Feature vectors of every randomly weighted CNN front-end and seed, in one job.

    Nothing is trained: each front-end's He-normal weights come from its seed. Seed 0 of every
    front-end is also written as learned clip vectors for the main accuracy table.
    """
    input:
        unpack(random_cnn_inputs),
        code=library_code("random_cnn_features"),
    output:
        features="results/{dataset}/deep/random_cnn/features.npz",
        meta="results/{dataset}/deep/random_cnn/features.json",
        vectors=expand("results/{{dataset}}/learned/rcnn_{arch}/vectors.npz", arch=RCNN_ARCHS),
    log:
        "results/{dataset}/logs/random_cnn_features.log",
    benchmark:
        "results/{dataset}/benchmarks/random_cnn_features.tsv"
    conda:
        "../envs/random_cnn.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    params:
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
        features="results/{dataset}/deep/random_cnn/features.npz",
        mfcc="results/{dataset}/features/mfcc120.npz",
        split=random_cnn_split,
        code=library_code("random_cnn_backends"),
    output:
        scores="results/{dataset}/deep/random_cnn/scores.csv",
        summary="results/{dataset}/deep/random_cnn/summary.json",
    log:
        "results/{dataset}/logs/random_cnn_backends.log",
    benchmark:
        "results/{dataset}/benchmarks/random_cnn_backends.tsv"
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
