# Deep and random feature learners: each family's rules fit or apply a model from
# genrelearn.models on a feature stage output and write per-clip vectors to
# results/<dataset>/learned/<method>/vectors.npz, which rules/classify.smk scores with the
# same SVM and protocols as the raw features (config key classify.learned).

# ---- deep belief network, convolutional RBM, convolutional VAE ----------------------------------
# Label-free models (DBN for the main table, ConvRBM, VAE) are fitted on all clips' frames
# (transductive, like the SAE's thesis protocol; said next to the tables); the supervised DBN
# study fits everything per fold on training clips only. Settings: config key deep.


rule deep_dbn:
    """Pretrain a DBN on all clips' |DFT| frames (no labels); windowed clip vectors."""
    input:
        frames="results/{dataset}/features/dft.npz",
        code=library_code("deep_dbn"),
    output:
        vectors="results/{dataset}/learned/dbn/vectors.npz",
        history="results/{dataset}/deep/dbn/pretrain_history.csv",
    log:
        "results/{dataset}/logs/deep_dbn.log",
    benchmark:
        "results/{dataset}/benchmarks/deep_dbn.tsv"
    conda:
        "../envs/deep.yaml"
    threads: config["deep"]["threads"]
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        torch_threads=config["deep"]["threads"],  # not the granted cores: see its schema
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
        frames="results/{dataset}/features/dft.npz",
        code=library_code("deep_dbn_layers"),
    output:
        scores="results/{dataset}/deep/dbn/layers/scores.csv",
        pretrain="results/{dataset}/deep/dbn/layers/pretrain_history.csv",
        finetune="results/{dataset}/deep/dbn/layers/finetune_history.csv",
    log:
        "results/{dataset}/logs/deep_dbn_layers.log",
    benchmark:
        "results/{dataset}/benchmarks/deep_dbn_layers.tsv"
    conda:
        "../envs/deep.yaml"
    threads: config["deep"]["threads"]
    resources:
        mem_mb=6000,
        runtime=120,
    params:
        torch_threads=config["deep"]["threads"],  # not the granted cores: see its schema
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
        frames="results/{dataset}/features/mel64.npz",
        code=library_code("deep_convrbm"),
    output:
        vectors="results/{dataset}/learned/convrbm/vectors.npz",
        scores="results/{dataset}/deep/convrbm/pooling_scores.csv",
        history="results/{dataset}/deep/convrbm/history.csv",
    log:
        "results/{dataset}/logs/deep_convrbm.log",
    benchmark:
        "results/{dataset}/benchmarks/deep_convrbm.tsv"
    conda:
        "../envs/deep.yaml"
    threads: config["deep"]["threads"]
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        torch_threads=config["deep"]["threads"],  # not the granted cores: see its schema
        convrbm=config["deep"]["convrbm"],
        folds=config["deep"]["folds"],
        device=config["deep"]["device"],
        seed=config["deep"]["seed"],
    script:
        "../scripts/deep_convrbm.py"


rule deep_vae:
    """Convolutional VAE on all clips' mel patches (no labels); logistic regression probe."""
    input:
        frames="results/{dataset}/features/mel64.npz",
        code=library_code("deep_vae"),
    output:
        vectors="results/{dataset}/learned/vae/vectors.npz",
        scores="results/{dataset}/deep/vae/scores.csv",
        history="results/{dataset}/deep/vae/history.csv",
    log:
        "results/{dataset}/logs/deep_vae.log",
    benchmark:
        "results/{dataset}/benchmarks/deep_vae.tsv"
    conda:
        "../envs/deep.yaml"
    threads: config["deep"]["threads"]
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        torch_threads=config["deep"]["threads"],  # not the granted cores: see its schema
        vae=config["deep"]["vae"],
        folds=config["deep"]["folds"],
        valid_fraction=config["deep"]["valid_fraction"],
        device=config["deep"]["device"],
        seed=config["deep"]["seed"],
    script:
        "../scripts/deep_vae.py"


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
    threads: config["deep"]["threads"]
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        torch_threads=config["deep"]["threads"],  # not the granted cores: see its schema
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
