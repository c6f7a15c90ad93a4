"""The configuration checks: schema validation, each study's cross-key rules, and the shipped files.

config/config.yaml holds every value of the default study and config/schema.yaml none, so
these tests also keep the two from drifting: same keys on both sides, no default: left.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from genrelearn import config as cfg
from genrelearn.sae.points import POINT_KEYS, SOLVER_KEYS

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"
SCHEMA_FILE = CONFIG / "schema.yaml"
SCHEMA = yaml.safe_load(SCHEMA_FILE.read_text())
OVERLAYS = sorted(
    p.name for p in CONFIG.glob("*.yaml") if p.name not in {"config.yaml", "schema.yaml"}
)
CHECKS = (
    cfg.check_data,
    cfg.check_baselines,
    cfg.check_sae,
    cfg.check_random_cnn,
    cfg.check_supervised,
)


def merge(base: dict, over: dict) -> dict:
    """Recursive merge of an overlay, as Snakemake merges --configfile files."""
    for key, value in over.items():
        base[key] = merge(base.get(key, {}), value) if isinstance(value, dict) else value
    return base


def load(*overlays: str) -> dict:
    config = yaml.safe_load((CONFIG / "config.yaml").read_text())
    for name in overlays:
        merge(config, yaml.safe_load((CONFIG / name).read_text()))
    return config


def edited(over: dict, *overlays: str) -> dict:
    """The shipped config with ``over`` merged on; it still passes the schema."""
    config = merge(load(*overlays), copy.deepcopy(over))
    cfg.validate(config, SCHEMA_FILE)
    return config


def schema_nodes(node: dict, path: str = ""):
    """(key path, schema node) of every schema node under ``node``."""
    yield path, node
    for key, sub in node.get("properties", {}).items():
        yield from schema_nodes(sub, f"{path}.{key}".lstrip("."))
    if isinstance(node.get("additionalProperties"), dict):
        yield from schema_nodes(node["additionalProperties"], f"{path}.*")
    if isinstance(node.get("items"), dict):
        yield from schema_nodes(node["items"], f"{path}[]")
    for sub in node.get("anyOf", []):
        yield from schema_nodes(sub, f"{path}|")


# ---- the schema and config.yaml cannot drift -------------------------------------------------


def test_schema_gives_no_default():
    assert [path for path, node in schema_nodes(SCHEMA) if "default" in node] == []


def test_every_fixed_object_requires_all_its_keys_and_no_others():
    objects = [(p, n) for p, n in schema_nodes(SCHEMA) if n.get("type") == "object"]
    assert len(objects) > 50
    for path, node in objects:
        if "properties" in node:
            assert sorted(node.get("required", [])) == sorted(node["properties"]), path
            assert node.get("additionalProperties") is False, path
        else:  # a map with free keys ({algorithm: digest}): its values are typed
            assert isinstance(node.get("additionalProperties"), dict), path


def test_config_yaml_and_schema_have_the_same_keys():
    def keys(node: dict, value: dict, path: str):
        assert isinstance(value, dict), path
        assert sorted(value) == sorted(node["properties"]), path or "<top level>"
        for key, sub in node["properties"].items():
            if "properties" in sub:
                keys(sub, value[key], f"{path}.{key}".lstrip("."))

    keys(SCHEMA, load(), "")


@pytest.mark.parametrize("overlays", [(), *((o,) for o in OVERLAYS)], ids=lambda o: "+".join(o))
def test_shipped_configs_pass_the_schema_and_every_check(overlays):
    config = load(*overlays)
    before = copy.deepcopy(config)
    cfg.validate(config, SCHEMA_FILE)
    for check in CHECKS:
        check(config)
    cfg.check_sae_full(config, SCHEMA_FILE)
    assert config == before  # nothing filled in or normalised


# ---- validate ---------------------------------------------------------------------------------


def test_validate_reports_every_bad_key_with_its_path_and_description():
    config = load("test.yaml")
    config["classify"]["svm"]["C"] = -1
    config["dataset"]["sample_rate"] = "fast"
    config["classify"]["n_genres"] = [2, 1]
    config["features"]["cqt"]["colour"] = "blue"
    del config["sae"]["n_atoms"]
    del config["gtzan"]["download"]
    with pytest.raises(ValueError) as info:
        cfg.validate(config, SCHEMA_FILE)
    text = str(info.value)
    lines = text.splitlines()
    assert lines[0] == "invalid configuration:"
    assert lines[-1] == f"Fix these keys in your config file; {SCHEMA_FILE} documents every key."
    keys = [re.match(r"  config key '([^']+)': ", line).group(1) for line in lines[1:-1]]
    assert keys == [
        "classify.n_genres.1",
        "classify.svm.C",
        "dataset.sample_rate",
        "features.cqt",
        "gtzan.download",
        "sae.n_atoms",
    ]
    assert "config key 'classify.svm.C': -1 is less than or equal to the minimum of 0" in text
    assert "(Regularisation constant.)" in text
    # an item of a list carries the list's description
    assert "config key 'classify.n_genres.1': 1 is less than the minimum of 2 (Sizes" in text
    assert "'colour' was unexpected" in text
    assert "config key 'sae.n_atoms': is missing (Dictionary size m.)" in text
    assert "config key 'gtzan.download': is missing (Network behaviour of the downloads.)" in text


def test_validate_names_each_missing_key_of_one_object():
    config = load()
    for key in ("n_fft", "fmax"):
        del config["features"]["mel"][key]
    with pytest.raises(ValueError) as info:
        cfg.validate(config, SCHEMA_FILE)
    found = re.findall(r"config key '([^']+)': is missing", str(info.value))
    assert found == ["features.mel.fmax", "features.mel.n_fft"]


def test_validate_reports_a_bad_value_of_a_free_map():
    config = load("gtzan.yaml")
    config["gtzan"]["archive"]["checksums"] = {"md5": "not hex"}
    with pytest.raises(ValueError, match=re.escape("config key 'gtzan.archive.checksums.md5'")):
        cfg.validate(config, SCHEMA_FILE)


# ---- cross-key checks, one study at a time ---------------------------------------------------


@pytest.mark.parametrize("key", ["archive", "root", "split_lists"])
def test_check_data_gtzan_only_keys(key):
    config = edited({"dataset": {key: "somewhere"}})
    with pytest.raises(ValueError, match=rf"config key 'dataset\.{key}': only used with"):
        cfg.check_data(config)


def test_check_data_gtzan_checksums():
    config = edited({"gtzan": {"archive": {"checksums": {"md5": "abc"}}}}, "gtzan.yaml")
    with pytest.raises(ValueError, match=r"config key 'gtzan\.archive\.checksums': md5 checksum"):
        cfg.check_data(config)


def test_check_data_archive_and_root_not_both():
    config = edited({"dataset": {"archive": "g.tar.gz", "root": "gtzan"}}, "gtzan.yaml")
    with pytest.raises(
        ValueError, match=r"config keys 'dataset\.archive' and 'dataset\.root': give one"
    ):
        cfg.check_data(config)


def test_check_baselines_fault_filtered_needs_gtzan():
    config = edited({"classify": {"protocols": ["grouped", "fault-filtered"]}})
    with pytest.raises(
        ValueError,
        match=r"config key 'classify\.protocols': fault-filtered .*needs dataset\.source",
    ):
        cfg.check_baselines(config)
    cfg.check_baselines(load("gtzan.yaml"))  # the same protocol on GTZAN


def test_check_baselines_subsets_within_the_genres():
    config = edited({"classify": {"n_genres": [2, 3, 4]}}, "test.yaml")
    with pytest.raises(
        ValueError, match=r"config key 'classify\.n_genres': subsets \[4\] are larger than the 3"
    ):
        cfg.check_baselines(config)


def test_check_sae_genres_within_the_genres():
    config = edited({"sae": {"n_genres": 4}}, "test.yaml")
    with pytest.raises(ValueError, match=r"config key 'sae\.n_genres': 4 is larger than the 3"):
        cfg.check_sae(config)


def full_overrides(overrides: dict) -> dict:
    """The shipped config whose full-scale experiment has exactly ``overrides``."""
    config = load()
    config["experiments"]["sae_full"]["overrides"] = overrides
    cfg.validate(config, SCHEMA_FILE)
    return config


def test_check_sae_full_names_an_unknown_override():
    config = full_overrides({"n_atom": 512})
    with pytest.raises(
        ValueError,
        match=r"config key 'experiments\.sae_full\.overrides\.n_atom': unknown setting "
        r"'n_atom'; an override is one of the experiment-point or solver keys \[",
    ):
        cfg.check_sae_full(config, SCHEMA_FILE)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("n_atoms", 0, "0 is less than the minimum of 1"),
        ("step", "fast", "'fast' is not one of ['tight', 'thesis']"),
        ("k", 2.5, "2.5 is not of type 'integer'"),
    ],
)
def test_check_sae_full_checks_an_override_like_the_key_it_overrides(key, value, message):
    config = full_overrides({key: value})
    with pytest.raises(ValueError) as info:
        cfg.check_sae_full(config, SCHEMA_FILE)
    text = str(info.value)
    assert text.startswith(f"config key 'experiments.sae_full.overrides.{key}': {message}")
    section = POINT_KEYS.get(key, "sae")
    description = SCHEMA["properties"][section]["properties"][key]["description"]
    assert f"(overrides {section}.{key}: {description})" in text


@pytest.mark.parametrize("key", [*POINT_KEYS, *SOLVER_KEYS])
def test_every_point_and_solver_key_can_be_overridden(key):
    # the key lists are the library's, so a key added there is covered here, with the value
    # config.yaml gives it (every solver key is in config.yaml's sae section)
    config = load()
    section = POINT_KEYS.get(key, "sae")
    value = config[section][key]
    config = full_overrides({key: value})
    config[section][key] = "the section's own value"  # the override wins
    cfg.check_sae_full(config, SCHEMA_FILE)
    sections = cfg.sae_full_sections(config)
    assert sections[section][key] == value
    # the other section and the configuration itself are untouched
    rest = "graph" if section == "sae" else "sae"
    assert sections[rest] == config[rest]
    assert config[section][key] == "the section's own value"


def test_sae_full_sections_apply_the_overrides_to_copies():
    config = full_overrides({"n_atoms": 512, "k": 21, "n_outer": 15})
    sections = cfg.sae_full_sections(config)
    assert (sections["sae"]["n_atoms"], sections["sae"]["n_outer"]) == (512, 15)
    assert sections["graph"]["k"] == 21
    assert "k" not in sections["sae"]
    assert (config["sae"]["n_atoms"], config["graph"]["k"]) == (128, 11)


def test_check_sae_full_genres_within_the_genres_when_enabled():
    config = edited({"experiments": {"sae_full": {"n_genres": 10}}}, "test.yaml")
    cfg.check_sae_full(config, SCHEMA_FILE)  # off: its genres are never used
    config["experiments"]["sae_full"]["enabled"] = True
    with pytest.raises(
        ValueError, match=r"config key 'experiments\.sae_full\.n_genres': 10 is larger than the 3"
    ):
        cfg.check_sae_full(config, SCHEMA_FILE)


def test_gtzan_configs_enable_the_thesis_full_scale_experiment():
    assert load()["experiments"]["sae_full"]["enabled"] is False
    for overlays in (("gtzan.yaml",), ("gtzan.yaml", "gtzan-synth.yaml")):
        config = load(*overlays)
        full = config["experiments"]["sae_full"]
        assert full["enabled"] and full["n_genres"] == len(config["dataset"]["genres"]) == 10
        assert full["max_frames"] is None and config["features"]["cqt"]["max_frames"] == 644
        sae = cfg.sae_full_sections(config)["sae"]
        assert (sae["n_atoms"], sae["lg"], sae["rtol"], sae["n_outer"]) == (512, 0, 1e-5, 15)
    synth = load("gtzan.yaml", "gtzan-synth.yaml")
    assert synth["dataset"]["source"] == "synth" and synth["dataset"]["name"] == "gtzan-synth"
    assert synth["synth"]["clips_per_genre"] == 100
    d = synth["dataset"]
    assert d["min_duration"] <= synth["synth"]["duration"] <= d["max_duration"]
    assert synth["synth"]["duration"] * d["sample_rate"] >= synth["features"]["max_samples"]
    for check in CHECKS:  # e.g. no fault-filtered protocol without GTZAN's split lists
        check(synth)


def test_check_random_cnn_rows_need_their_architectures():
    config = edited({"deep": {"random_cnn": {"architectures": ["vgg"]}}})
    with pytest.raises(
        ValueError,
        match=r"config key 'classify\.learned': \['rcnn_timbral_temporal'\] need their arch",
    ):
        cfg.check_random_cnn(config)


def test_check_supervised_affect_feature_set_is_trained():
    config = edited({"supervised": {"feature_sets": ["mel"], "affect": {"feature_set": "chroma"}}})
    with pytest.raises(
        ValueError, match=r"config key 'supervised\.affect\.feature_set': 'chroma' must also be"
    ):
        cfg.check_supervised(config)


def test_check_supervised_affect_models_are_trained():
    config = edited({"supervised": {"models": ["cnn"], "affect": {"models": ["cnn", "lstm"]}}})
    with pytest.raises(ValueError, match=r"config key 'supervised\.affect\.models': every model"):
        cfg.check_supervised(config)


def test_module_is_cheap_to_import():
    # Snakemake imports it while parsing the workflow: neither Snakemake nor the download
    # code (needed for GTZAN's checksums only) comes with it
    code = (
        "import sys, genrelearn.config; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'snakemake' "
        "or m == 'genrelearn.data.download'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
