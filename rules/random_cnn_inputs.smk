# Settings and input functions of the rules in rules/random_cnn.smk (Snakemake's linter keeps
# functions and rules in separate files).
from genrelearn.models.random_cnn_specs import INPUT_KINDS as RCNN_INPUT_KINDS

RCNN = config["deep"]["random_cnn"]
RCNN_ARCHS = list(RCNN["architectures"])
# Inputs the configured front-ends read (feature kinds of the feature stage), in a fixed order.
RCNN_KINDS = [k for k in ("mel12k", "wave12k") if k in {RCNN_INPUT_KINDS[a] for a in RCNN_ARCHS}]
# The back-ends run the honest protocols (one vector per clip: thesis would only add a scaler).
RCNN_PROTOCOLS = [p for p in config["classify"]["protocols"] if p != "thesis"] or ["grouped"]


def random_cnn_inputs(wildcards):
    """The 12 kHz inputs (mel12k, wave12k) of the configured front-ends."""
    return {k: res(f"features/{k}.npz") for k in RCNN_KINDS}


def random_cnn_split(wildcards):
    """The fault-filtered split, when the back-ends run that protocol."""
    return published_split_if(RCNN_PROTOCOLS)


# ---- exports ----------------------------------------------------------------------------------


def random_cnn_published(wildcards):
    """Pons & Serra's GTZAN fault-filtered numbers: shown only on GTZAN under that protocol."""
    if SOURCE == "gtzan" and "fault-filtered" in RCNN_PROTOCOLS:
        return "paper/published/pons2018_gtzan_ff.csv"
    return []
