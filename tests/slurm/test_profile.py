"""profiles/slurm without a cluster: it names real rules, is consistent and fully commented.

These run in plain ``make test``; the cluster tests (test_slurm.py) need ``make test-slurm``.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
PROFILE = REPO / "profiles" / "slurm" / "config.yaml"


def load_module(name: str, path: Path):
    """Import a test helper file by path, under its own name (the test dirs are not packages)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


workflow_helpers = load_module("genrelearn_workflow_helpers", REPO / "tests/workflow/conftest.py")


def profile() -> dict:
    return yaml.safe_load(PROFILE.read_text())


def workflow_rules(root: Path = REPO) -> dict[str, bool]:
    """Every rule of the workflow in ``root`` -> whether it is a ``localrule``."""
    text = "\n".join(p.read_text() for p in [root / "Snakefile", *root.glob("rules/*.smk")])
    blocks = re.split(r"^rule (\w+):$", text, flags=re.M)
    return {
        name: bool(re.search(r"^\s+localrule: True$", body, flags=re.M))
        for name, body in zip(blocks[1::2], blocks[2::2], strict=True)
    }


def test_every_job_rule_is_sized_and_no_local_rule_is():
    rules = workflow_rules()
    sized = profile()["set-resources"]
    remote = {r for r, local in rules.items() if not local}
    assert set(sized) == remote, (
        f"rules submitted to SLURM but not sized in {PROFILE.name}: {sorted(remote - set(sized))}; "
        f"sized but local or unknown: {sorted(set(sized) - remote)}"
    )
    assert set(profile()["set-threads"]) <= remote
    for rule, res in sized.items():
        assert {"cpus_per_task", "mem_mb", "runtime"} <= set(res), rule
        assert res["mem_mb"] > 0 and res["runtime"] > 0, rule


def test_cpus_match_threads():
    p = profile()
    for rule, res in p["set-resources"].items():
        threads = p["set-threads"].get(rule, 1)
        if rule not in p["set-threads"]:  # the rule's own declaration
            block = re.search(
                rf"^rule {rule}:$(.*?)(?=^rule |\Z)",
                "\n".join(f.read_text() for f in REPO.glob("rules/*.smk")),
                flags=re.M | re.S,
            )
            threads = int(re.search(r"^\s+threads: (\d+)$", block.group(1), flags=re.M).group(1))
        assert res["cpus_per_task"] == threads, rule


def test_gpu_for_the_pytorch_rule_only():
    gpu = {rule for rule, res in profile()["set-resources"].items() if res.get("gpu")}
    deep = {"deep_dbn", "deep_dbn_layers", "deep_convrbm", "deep_vae"}  # DBN / ConvRBM / VAE
    supervised = {"supervised_classify", "supervised_affect"}  # the CNN/LSTM study
    assert gpu == {"sae_fit", "sae_full_fit", "random_cnn_features"} | deep | supervised


def test_site_settings_are_left_to_the_user():
    p = profile()
    assert p["executor"] == "slurm"
    assert "slurm_account" not in p["default-resources"]
    assert "slurm_partition" not in p["default-resources"]
    text = PROFILE.read_text()
    assert "# slurm_account:" in text and "# slurm_partition:" in text
    assert p["slurm-status-command"] in ("sacct", "squeue")


def test_every_entry_is_commented():
    """Each setting line has its own comment, or sits right under a comment line."""
    previous = ""
    for number, line in enumerate(PROFILE.read_text().splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            assert " # " in line or previous.startswith("#"), (
                f"{PROFILE.name}:{number} has no comment: {line!r}"
            )
        previous = stripped


def test_the_profile_plans_the_tiny_workflow(tmp_path):
    """A dry run through the profile works (the plugin is installed, every key is valid)."""
    workdir = workflow_helpers.copy_workflow(tmp_path)
    proc = workflow_helpers.snakemake(workdir, "-n", "--profile", "profiles/slurm")
    out = proc.stdout + proc.stderr
    assert "Using profiles profiles/slurm" in out
    assert re.search(r"^rule sae_fit:$", out, flags=re.M)
    assert re.search(r"^\s+resources: .*mem_mb=32000.*gpu=1", out, flags=re.M)
