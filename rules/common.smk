# Helpers shared by the stage files (configuration validation, wildcard constraints, input
# functions, target lists). Rules get every configuration value through params: built here.
import re
from pathlib import Path

import jsonschema
import yaml


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
RESULTS = f"results/{DATASET}"
PAPER = f"{RESULTS}/paper"
GEN = f"{PAPER}/generated"


wildcard_constraints:
    dataset=re.escape(DATASET),
    feature="cqt|mel|mfcc",
    protocol="thesis|grouped",
    ngenres=r"\d+",


# ---- input functions -------------------------------------------------------------------------


def audio_root(wildcards):
    """Folder holding genres/<genre>/..., made by the dataset's source rule."""
    return f"results/{wildcards.dataset}/audio"


def feature_params(wildcards):
    return config["features"][wildcards.feature]


def pooling_method(wildcards):
    return config["classify"]["pooling"]["method"][wildcards.feature]


def subset_genres(wildcards):
    return GENRES[: int(wildcards.ngenres)]


def protocol_settings(wildcards):
    return config["classify"][wildcards.protocol]


# ---- target lists ------------------------------------------------------------------------------


def classification_keys():
    """(feature, n_genres, protocol) of every classification job, in a fixed order."""
    return [
        {"feature": f, "n_genres": n, "protocol": p}
        for f in FEATURES
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


def generated_paper_inputs():
    return [
        f"{GEN}/macros_data.tex",
        f"{GEN}/macros_classify.tex",
        f"{GEN}/table_accuracy.tex",
        f"{GEN}/table_perclass.tex",
        f"{GEN}/table_synth.tex",
        f"{GEN}/table_attributes.tex",
        f"{GEN}/fig_spectrograms_cqt.pdf",
        f"{GEN}/fig_spectrograms_mel.pdf",
        f"{GEN}/fig_confusion.pdf",
    ]
