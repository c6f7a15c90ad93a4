# Helpers shared by the stage files (configuration validation, wildcard constraints, input
# functions, target lists). Rules get every configuration value through params: built here.
import re
from pathlib import Path

import jsonschema
import yaml


def library_code(script):
    """scripts/<script>.py and the library modules it imports, directly or not, as input paths.

    Declared as the `code` input of the stage that runs the script, so that a job reruns when
    the content of its code changes (mtime and checksum, like any input): an edit of a module
    under src/genrelearn reruns exactly the jobs whose scripts import it, and a checkout that
    rewrites a file without changing it reruns nothing. Snakemake's own `code` trigger, which
    compares only the script's mtime, is left out of the default profile's rerun triggers for
    that reason. The modules are found statically (genrelearn.sources). Paths are relative to
    the working directory when the workflow lives there, as in a checkout.
    """
    import os

    from genrelearn.sources import script_dependencies

    base = Path(workflow.basedir)
    path = base / "scripts" / f"{script}.py"
    deps = script_dependencies(path, base / "src")
    here = Path.cwd().resolve()
    return [
        (os.path.relpath(f, here) if f.resolve().is_relative_to(here) else str(f.resolve()))
        for f in (path, *deps.modules)
    ]


def _key_path(error):
    return ".".join(str(p) for p in error.absolute_path) or "<top level>"


def validate_config(config, schema_file):
    """Fill defaults from the JSON schema, then stop on the first bad value, naming its key."""
    schema = yaml.safe_load(Path(schema_file).read_text())

    def fill(node, sub):
        for key, spec in sub.get("properties", {}).items():
            if key not in node and "default" in spec:
                node[key] = yaml.safe_load(yaml.safe_dump(spec["default"]))
            if isinstance(node.get(key), dict):
                fill(node[key], spec)

    fill(config, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for err in errors:
            desc = err.schema.get("description", "")
            lines.append(
                f"  config key '{_key_path(err)}': {err.message}" + (f" ({desc})" if desc else "")
            )
        raise ValueError(
            "invalid configuration:\n"
            + "\n".join(lines)
            + f"\nFix these keys in your config file; {schema_file} documents every key."
        )
    dataset = config["dataset"]
    if dataset["source"] != "gtzan":
        for key in ("archive", "root", "split_lists"):
            if dataset[key] is not None:
                raise ValueError(
                    f"config key 'dataset.{key}': only used with dataset.source: gtzan "
                    f"(source is {dataset['source']!r}); remove it or set the source"
                )
        if "fault-filtered" in config["classify"]["protocols"]:
            raise ValueError(
                "config key 'classify.protocols': fault-filtered is GTZAN's published split "
                f"and needs dataset.source: gtzan (source is {dataset['source']!r})"
            )
    else:
        from genrelearn.data.download import normalize_checksums

        try:
            normalize_checksums(config["gtzan"]["archive"]["checksums"])
        except ValueError as err:
            raise ValueError(f"config key 'gtzan.archive.checksums': {err}") from None
    if dataset["archive"] is not None and dataset["root"] is not None:
        raise ValueError(
            "config keys 'dataset.archive' and 'dataset.root': give one of them (an archive "
            "to verify and extract, or an extracted folder), not both"
        )
    n_genres = len(config["dataset"]["genres"])
    too_big = [n for n in config["classify"]["n_genres"] if n > n_genres]
    if too_big:
        raise ValueError(
            f"config key 'classify.n_genres': subsets {too_big} are larger than the "
            f"{n_genres} genres listed in 'dataset.genres'"
        )


validate_config(config, Path(workflow.basedir) / "config" / "schema.yaml")

DATASET = config["dataset"]["name"]
GENRES = sorted(config["dataset"]["genres"])
FEATURES = list(config["classify"]["features"])
# Learned or random feature extractors whose clip vectors the same SVM code classifies under
# the same protocols (rows of the main accuracy table beside the raw features). A family's
# rule writes results/<dataset>/learned/<method>/vectors.npz (genrelearn.pooling format).
LEARNED = list(config["classify"]["learned"])
CLASSIFIED = FEATURES + LEARNED
FEATURE_KINDS = [k for k, v in config["features"].items() if isinstance(v, dict)]
RESULTS = f"results/{DATASET}"
PAPER = f"{RESULTS}/paper"
GEN = f"{PAPER}/generated"


wildcard_constraints:
    dataset=re.escape(DATASET),
    feature="|".join(re.escape(f) for f in dict.fromkeys(FEATURE_KINDS + CLASSIFIED)),
    protocol="thesis|grouped|fault-filtered",
    subset="train|valid|test",
    ngenres=r"\d+",


# ---- input functions -------------------------------------------------------------------------


SOURCE = config["dataset"]["source"]
GTZAN_RESOURCES = "resources/gtzan"


def audio_root(wildcards):
    """Folder holding genres/<genre>/..., made by the dataset's source rule (or the user's)."""
    if SOURCE == "synth":
        return f"results/{wildcards.dataset}/audio"
    if config["dataset"]["root"] is not None:
        return config["dataset"]["root"]
    return f"{GTZAN_RESOURCES}/audio"


def gtzan_archive(wildcards):
    """The archive to extract: the user's copy (dataset.archive) or the downloaded one."""
    return config["dataset"]["archive"] or f"{GTZAN_RESOURCES}/genres.tar.gz"


def gtzan_split_urls(wildcards):
    return [url.replace("{subset}", wildcards.subset) for url in config["gtzan"]["splits"]["urls"]]


def gtzan_split_md5(wildcards):
    return {"md5": config["gtzan"]["splits"]["md5"][wildcards.subset]}


def gtzan_split_lists(wildcards):
    """The three fault-filtered lists: the user's copies (dataset.split_lists) or downloads."""
    folder = config["dataset"]["split_lists"] or f"{GTZAN_RESOURCES}/splits"
    return {s: f"{folder}/{s}_filtered.txt" for s in ("train", "valid", "test")}


def split_for_protocol(wildcards):
    """Published split a protocol is evaluated on (none for the random-split protocols)."""
    if wildcards.protocol == "fault-filtered":
        return f"results/{wildcards.dataset}/splits/fault-filtered.csv"
    return []


def split_summary_if_used(wildcards):
    """Counts of the fault-filtered split, for the paper, when that protocol is run."""
    if "fault-filtered" in config["classify"]["protocols"]:
        return f"results/{wildcards.dataset}/splits/fault-filtered.json"
    return []


def vectors_for(wildcards):
    """Clip vectors of a raw feature (pooled frames) or of a learned method (its own rule)."""
    if wildcards.feature in LEARNED:
        return f"results/{wildcards.dataset}/learned/{wildcards.feature}/vectors.npz"
    return f"results/{wildcards.dataset}/classify/{wildcards.feature}/vectors.npz"


def feature_params(wildcards):
    return config["features"][wildcards.feature]


def pooling_method(wildcards):
    return config["classify"]["pooling"]["method"][wildcards.feature]


def subset_genres(wildcards):
    return GENRES[: int(wildcards.ngenres)]


def protocol_settings(wildcards):
    return config["classify"][wildcards.protocol.replace("-", "_")]


# ---- target lists ------------------------------------------------------------------------------


def classification_keys():
    """(feature, n_genres, protocol) of every classification job, in a fixed order."""
    return [
        {"feature": f, "n_genres": n, "protocol": p}
        for f in CLASSIFIED
        for n in config["classify"]["n_genres"]
        for p in config["classify"]["protocols"]
    ]


def classification_summaries():
    return [
        f"{RESULTS}/classify/{k['feature']}/g{k['n_genres']}/{k['protocol']}/summary.json"
        for k in classification_keys()
    ]


def headline_summary():
    """Summary behind the confusion figure and per-class table: all genres, honest protocol."""
    protocol = "grouped" if "grouped" in config["classify"]["protocols"] else "thesis"
    feature = config["figures"]["headline_feature"]
    if feature not in FEATURES:
        feature = FEATURES[0]
    n = max(config["classify"]["n_genres"])
    return f"{RESULTS}/classify/{feature}/g{n}/{protocol}/summary.json"


# Hand-written LaTeX sections beside paper/paper.tex, each pulled in by an \input{<stem>} line
# of paper.tex (one per model family, so families can be edited independently).
PAPER_SECTIONS = [
    # DBN / ConvRBM / VAE
    "paper/deep_generative.tex",
    # randomly weighted CNNs, SVM and ELM back-ends
    "paper/random_cnn.tex",
    "paper/supervised.tex",  # supervised CNN/LSTM
]


def generated_paper_inputs():
    return [
        f"{GEN}/macros_data.tex",
        f"{GEN}/macros_classify.tex",
        f"{GEN}/table_accuracy.tex",
        f"{GEN}/table_perclass.tex",
        f"{GEN}/fig_spectrograms_cqt.pdf",
        f"{GEN}/fig_spectrograms_mel.pdf",
        f"{GEN}/fig_confusion.pdf",
        f"{GEN}/macros_sae.tex",
        f"{GEN}/table_sae_thesis.tex",
        f"{GEN}/table_sae_sweeps.tex",
        f"{GEN}/fig_sae_convergence.pdf",
        f"{GEN}/fig_sae_atoms.pdf",
        f"{GEN}/fig_sae_sweeps.pdf",
        f"{GEN}/fig_sae_codes.pdf",
        # randomly weighted CNNs, SVM and ELM back-ends
        f"{GEN}/macros_random_cnn.tex",
        f"{GEN}/table_random_cnn.tex",
        f"{GEN}/fig_random_cnn.pdf",
        # DBN / ConvRBM / VAE
        f"{GEN}/macros_deep.tex",
        f"{GEN}/table_dbn_layers.tex",
        f"{GEN}/table_convrbm.tex",
        f"{GEN}/fig_deep_curves.pdf",
        f"{GEN}/fig_deep_tsne.pdf",
        *supervised_paper_inputs(),  # supervised CNN/LSTM
    ] + ([f"{GEN}/table_synth.tex", f"{GEN}/table_attributes.tex"] if SOURCE == "synth" else [])


# ---- structured auto-encoder experiments ------------------------------------------------------
from genrelearn.experiments import (
    THESIS_GRID,
    base_params,
    format_value,
    make_point,
    study_points,
    sweep_points,
    thesis_table_points,
)

SAE_BASE = base_params(config["sae"], config["graph"])
SAE_GENRES = GENRES[: config["sae"]["n_genres"]]
SAE_SOLVER = {key: config["sae"][key] for key in ("n_inner", "n_outer", "step", "device", "seed")}
SWEEPS = sweep_points(
    THESIS_GRID if config["experiments"]["grid"] == "thesis" else config["experiments"]["sweeps"],
    SAE_BASE,
)
THESIS_TABLE = thesis_table_points(
    config["experiments"]["thesis_table"]["noise"],
    config["experiments"]["thesis_table"]["lg"],
    SAE_BASE,
)
POINTS = study_points(SAE_BASE, SWEEPS, THESIS_TABLE)
BASE_POINT = make_point("sae", {}, SAE_BASE)[0]
FOLD_PARTS = [
    f"r{r}f{f}"
    for r in range(config["sae"]["grouped"]["n_repeats"])
    for f in range(config["sae"]["grouped"]["n_splits"])
]


wildcard_constraints:
    point=r"(sae|cqt)(_[a-z_]+~[-+.e0-9]+)*",
    part=r"all|r\d+f\d+",
    noise=r"[-+.e0-9]+",
    k=r"\d+",


def point_params(wildcards):
    if wildcards.point not in POINTS:
        raise ValueError(
            f"unknown experiment point {wildcards.point!r}: not a sweep or thesis-table point "
            "of this configuration"
        )
    return POINTS[wildcards.point]


def fold_of_part(wildcards):
    """(repeat, fold) of a part, or None for the transductive part 'all'."""
    if wildcards.part == "all":
        return None
    rep, fold = wildcards.part[1:].split("f")
    return [int(rep), int(fold)]


def splits_if_fold(wildcards):
    return [] if wildcards.part == "all" else f"results/{wildcards.dataset}/sae/splits.json"


def laplacian_of_point(wildcards):
    params = point_params(wildcards)
    if params["model"] != "sae" or float(params["lg"]) == 0:
        return []
    return (
        f"results/{wildcards.dataset}/graph/{wildcards.part}/"
        f"noise~{format_value(params['noise'])}/laplacian_k~{int(params['k'])}.npz"
    )


def codes_for_protocol(wildcards):
    parts = ["all"] if wildcards.protocol == "thesis" else FOLD_PARTS
    return [f"results/{wildcards.dataset}/sae/{part}/{wildcards.point}/codes.npz" for part in parts]


def sae_summary(point, protocol):
    return f"{RESULTS}/sae/eval/{point}/{protocol}/summary.json"


def sae_main_table_summaries():
    """The SAE's base point under the protocols it shares with the main accuracy table."""
    return [
        sae_summary(BASE_POINT, protocol)
        for protocol in config["classify"]["protocols"]
        if protocol in config["sae"]["protocols"]
    ]


def thesis_table_summaries():
    return [
        sae_summary(name, protocol)
        for _, _, name in THESIS_TABLE
        for protocol in config["sae"]["protocols"]
    ]


def sweep_summaries():
    return [sae_summary(name, "thesis") for values in SWEEPS.values() for _, name in values]


def sweep_histories():
    return [
        f"{RESULTS}/sae/all/{name}/history.csv" for values in SWEEPS.values() for _, name in values
    ]


def parts_for_protocol(wildcards):
    return ["all"] if wildcards.protocol == "thesis" else FOLD_PARTS


def sae_figure_inputs(wildcards):
    base = f"results/{wildcards.dataset}/sae/all/{BASE_POINT}"
    return {
        "convergence": {"history": f"{base}/history.csv"},
        "atoms": {"model": f"{base}/model.npz", "codes": f"{base}/codes.npz"},
        "sweeps": {"summaries": sweep_summaries(), "histories": sweep_histories()},
        "codes": {
            "codes": f"{base}/codes.npz",
            "frames": f"results/{wildcards.dataset}/sae/frames.npz",
        },
    }[wildcards.figure]


def sweeps_of_figure(wildcards):
    """The sweeps for the sweep figure, nothing for the others (a sweep edit redraws it only)."""
    return SWEEPS if wildcards.figure == "sweeps" else {}


def example_clip_of_figure(wildcards):
    """The example clip for the codes figure, none for the others (its edit redraws it only)."""
    return config["figures"]["example_clip"] if wildcards.figure == "codes" else None


def base_graph_files():
    """kNN result and graph statistics of the base point (transductive), if it uses a graph."""
    params = POINTS[BASE_POINT]
    if float(params["lg"]) == 0:
        return {}
    stem = f"{RESULTS}/graph/all/noise~{format_value(params['noise'])}"
    return {
        "knn": f"{stem}/knn_k~{int(params['k'])}.npz",
        "graph_stats": f"{stem}/laplacian_k~{int(params['k'])}.json",
    }


def train_codes_of_part(wildcards):
    """How a fold codes its training clips; irrelevant (None) for the transductive part."""
    return None if wildcards.part == "all" else config["sae"]["grouped"]["train_codes"]


# ---- randomly weighted CNNs, SVM and ELM back-ends ---------------------------------------------
from genrelearn.models.random_cnn_specs import INPUT_KINDS as RCNN_INPUT_KINDS

RCNN = config["deep"]["random_cnn"]
RCNN_ARCHS = list(RCNN["architectures"])
# Inputs the configured front-ends read (feature kinds of the feature stage), in a fixed order.
RCNN_KINDS = [k for k in ("mel12k", "wave12k") if k in {RCNN_INPUT_KINDS[a] for a in RCNN_ARCHS}]
# The back-ends run the honest protocols (one vector per clip: thesis would only add a scaler).
RCNN_PROTOCOLS = [p for p in config["classify"]["protocols"] if p != "thesis"] or ["grouped"]
_missing_rcnn = [
    m for m in LEARNED if m.startswith("rcnn_") and m.removeprefix("rcnn_") not in RCNN_ARCHS
]
if _missing_rcnn:
    raise ValueError(
        f"config key 'classify.learned': {_missing_rcnn} need their architectures in "
        f"'deep.random_cnn.architectures' (now {RCNN_ARCHS}); add them there or drop the rows"
    )


def random_cnn_inputs(wildcards):
    """The 12 kHz inputs (mel12k, wave12k) of the configured front-ends."""
    return {k: f"results/{wildcards.dataset}/features/{k}.npz" for k in RCNN_KINDS}


def random_cnn_split(wildcards):
    """The fault-filtered split, when the back-ends run that protocol."""
    if "fault-filtered" in RCNN_PROTOCOLS:
        return f"results/{wildcards.dataset}/splits/fault-filtered.csv"
    return []


def random_cnn_published():
    """Pons & Serra's GTZAN fault-filtered numbers: shown only on GTZAN under that protocol."""
    if SOURCE == "gtzan" and "fault-filtered" in RCNN_PROTOCOLS:
        return "paper/published/pons2018_gtzan_ff.csv"
    return []


# ---- DBN, convolutional RBM, convolutional VAE ------------------------------------
DEEP_GENERATIVE = ("dbn", "convrbm", "vae")


def deep_dbn_params():
    """Keyword arguments of genrelearn.models.dbn.DBN from the config (deep.dbn)."""
    dbn = config["deep"]["dbn"]
    return {
        "hidden": list(dbn["hidden"]),
        "pretrain_epochs": dbn["pretrain"]["epochs"],
        "pretrain_lr": dbn["pretrain"]["lr"],
        "momentum": dbn["pretrain"]["momentum"],
        "cd_k": dbn["pretrain"]["cd_k"],
        "finetune_epochs": dbn["finetune"]["epochs"],
        "finetune_lr": dbn["finetune"]["lr"],
        "patience": dbn["finetune"]["patience"],
        "batch_size": dbn["batch_size"],
    }


def deep_generative_results(wildcards):
    """Compute outputs behind the deep generative tables and macros (and the main-table rows)."""
    base = f"results/{wildcards.dataset}/deep"
    n = max(config["classify"]["n_genres"])
    summaries = {
        f"summary_{m}": f"results/{wildcards.dataset}/classify/{m}/g{n}/grouped/summary.json"
        for m in DEEP_GENERATIVE
        if m in LEARNED and "grouped" in config["classify"]["protocols"]
    }
    return {
        "dbn_scores": f"{base}/dbn/layers/scores.csv",
        "dbn_finetune": f"{base}/dbn/layers/finetune_history.csv",
        "convrbm_scores": f"{base}/convrbm/pooling_scores.csv",
        "vae_scores": f"{base}/vae/scores.csv",
        "vae_history": f"{base}/vae/history.csv",
        **summaries,
    }


def deep_generative_figure_inputs(wildcards):
    """Histories for the training-curve figure, clip vectors for the t-SNE figure."""
    base = f"results/{wildcards.dataset}"
    if wildcards.figure == "curves":
        return {
            "dbn_pretrain": f"{base}/deep/dbn/pretrain_history.csv",
            "dbn_finetune": f"{base}/deep/dbn/layers/finetune_history.csv",
            "convrbm": f"{base}/deep/convrbm/history.csv",
            "vae": f"{base}/deep/vae/history.csv",
        }
    return {m: f"{base}/learned/{m}/vectors.npz" for m in DEEP_GENERATIVE}


# ---- supervised CNN/LSTM -------------------------------------------------------------
# Affect regression needs per-clip attributes (energy, danceability, valence), which only the
# synthetic dataset has; on GTZAN its job is left out and the paper says why.
SUPERVISED_AFFECT = SOURCE == "synth"
_sup = config["supervised"]
if _sup["affect"]["feature_set"] not in _sup["feature_sets"]:
    raise ValueError(
        "config key 'supervised.affect.feature_set': "
        f"{_sup['affect']['feature_set']!r} must also be in supervised.feature_sets (its genre "
        "classifiers give the transfer backbones)"
    )
if not set(_sup["affect"]["models"]) <= set(_sup["models"]):
    raise ValueError(
        "config key 'supervised.affect.models': every model must also be in supervised.models "
        "(its genre classifier gives the transfer backbone)"
    )


def supervised_settings():
    """Training settings of the supervised models (one dict, so editing any reruns them)."""
    sup = config["supervised"]
    return {
        key: sup[key]
        for key in ("lr", "batch_size", "epochs", "patience", "max_frames", "cnn", "lstm")
    }


def supervised_split_input(wildcards):
    """GTZAN's published split when the fault-filtered protocol is run, else none."""
    if "fault-filtered" in config["classify"]["protocols"]:
        return f"results/{wildcards.dataset}/splits/fault-filtered.csv"
    return []


def supervised_affect_frames(wildcards):
    """The feature file the affect feature set is a slice of (raw or beat-synchronous)."""
    beat = config["supervised"]["affect"]["feature_set"].endswith("_beat")
    return f"results/{wildcards.dataset}/features/{'fused_beat' if beat else 'fused'}.npz"


def supervised_example_genres():
    """The two genres of the spectrogram figure (the configured ones if present)."""
    wanted = [g for g in config["supervised"]["example_genres"] if g in GENRES]
    return (wanted + [g for g in GENRES if g not in wanted])[:2]


def supervised_results(wildcards):
    """Inputs of the supervised export: the classifiers' results, the regressors' if any."""
    base = f"results/{wildcards.dataset}/supervised"
    files = {
        "classify_metrics": f"{base}/classify/metrics.json",
        "classify_histories": f"{base}/classify/histories.csv",
    }
    if SUPERVISED_AFFECT:
        files["affect_spearman"] = f"{base}/affect/spearman.csv"
        files["affect_histories"] = f"{base}/affect/histories.csv"
    return files


def supervised_paper_inputs():
    return [
        f"{GEN}/macros_supervised.tex",
        f"{GEN}/macros_supervised_features.tex",
        f"{GEN}/table_supervised_classify.tex",
        f"{GEN}/table_supervised_affect.tex",
        f"{GEN}/table_supervised_shapes.tex",
        f"{GEN}/fig_supervised_spectrograms.pdf",
        f"{GEN}/fig_supervised_curves.pdf",
        f"{GEN}/fig_supervised_confusion.pdf",
    ]
