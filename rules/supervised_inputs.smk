# Settings and input functions of the rules in rules/supervised.smk (Snakemake's linter keeps
# functions and rules in separate files).
# Affect regression needs per-clip attributes (energy, danceability, valence), which only the
# synthetic dataset has; on GTZAN its job is left out and the paper says why.
SUPERVISED_AFFECT = SOURCE == "synth"


def supervised_settings():
    """Training settings of the supervised models (one dict, so editing any reruns them)."""
    sup = config["supervised"]
    return {
        key: sup[key]
        for key in ("lr", "batch_size", "epochs", "patience", "max_frames", "cnn", "lstm")
    }


def supervised_split_input(wildcards):
    """GTZAN's published split when the fault-filtered protocol is run, else none."""
    return published_split_if(config["classify"]["protocols"])


def supervised_affect_frames(wildcards):
    """The feature file the affect feature set is a slice of (raw or beat-synchronous)."""
    beat = config["supervised"]["affect"]["feature_set"].endswith("_beat")
    return res(f"features/{'fused_beat' if beat else 'fused'}.npz")


# ---- exports ----------------------------------------------------------------------------------


def supervised_example_genres():
    """The two genres of the spectrogram figure (the configured ones if present)."""
    wanted = [g for g in config["supervised"]["example_genres"] if g in GENRES]
    return (wanted + [g for g in GENRES if g not in wanted])[:2]


def supervised_results(wildcards):
    """Inputs of the supervised export: the classifiers' results, the regressors' if any."""
    base = res("supervised")
    files = {
        "classify_metrics": f"{base}/classify/metrics.json",
        "classify_histories": f"{base}/classify/histories.csv",
    }
    if SUPERVISED_AFFECT:
        files["affect_spearman"] = f"{base}/affect/spearman.csv"
        files["affect_histories"] = f"{base}/affect/histories.csv"
    return files
