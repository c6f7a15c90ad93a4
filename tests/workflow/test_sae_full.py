"""The thesis's full-scale experiment in the job graph (dry runs only: the fit takes hours).

Off by default: no full-scale job and no paragraph in the paper. On with config/gtzan.yaml, here
on the GTZAN-sized synthetic overlay (config/gtzan-synth.yaml): one fit on all clips, the raw
CQT baseline on the same frames, both classified (thesis protocol), and the export the paper
reads. A bad override key stops the workflow at start, naming the key.
"""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

FULL_RULES = {
    "sae_full_frames",
    "sae_full_knn_search",
    "sae_full_graph_laplacian",
    "sae_full_fit",
    "sae_full_cqt_codes",
    "sae_full_classify",
    "export_sae_full",
}
OVERLAYS = ("config/gtzan.yaml", "config/gtzan-synth.yaml")


def dry_run(workdir, *configfiles: str) -> dict[str, list[dict[str, str]]]:
    """Planned jobs by rule: each job's ``input``/``output``/``wildcards`` lines, as text."""
    args = ["--configfile", *configfiles] if configfiles else []
    proc = snakemake(workdir, "-n", *args, "--show-failed-logs")
    jobs: dict[str, list[dict[str, str]]] = {}
    job: dict[str, str] | None = None
    for line in proc.stdout.splitlines():
        match = re.match(r"^(?:local)?rule (\w+):$", line)
        if match:
            job = {}
            jobs.setdefault(match.group(1), []).append(job)
            continue
        match = re.match(r"^    (input|output|wildcards): (.*)$", line)
        if match and job is not None:
            job[match.group(1)] = match.group(2)
    return jobs


def paper_inputs(jobs) -> list[str]:
    (paper,) = jobs["paper"]
    return [p.strip() for p in paper["input"].split(",")]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("sae_full"))


def test_default_config_plans_no_full_scale_job_and_no_paragraph(workdir):
    jobs = dry_run(workdir)  # config/test.yaml over config/config.yaml
    assert "sae_fit" in jobs
    assert not FULL_RULES & set(jobs)
    inputs = paper_inputs(jobs)
    assert not [p for p in inputs if "sae_full" in p]


def test_gtzan_sized_synthetic_overlay_plans_the_full_scale_experiment(workdir):
    jobs = dry_run(workdir, *OVERLAYS)
    planned = {rule: len(v) for rule, v in jobs.items() if rule in FULL_RULES}
    # the thesis's setting has no graph: no kNN search over the 1,288,000 frames
    assert planned == {
        "sae_full_frames": 1,
        "sae_full_fit": 1,
        "sae_full_cqt_codes": 1,
        "sae_full_classify": 2,
        "export_sae_full": 1,
    }
    (fit,) = jobs["sae_full_fit"]
    assert "results/gtzan-synth/sae_full/frames.npz" in fit["input"]
    assert "results/gtzan-synth/sae_full/all/sae/codes.npz" in fit["output"]
    assert {j["wildcards"] for j in jobs["sae_full_classify"]} == {"point=sae", "point=cqt"}
    inputs = paper_inputs(jobs)
    gen = "results/gtzan-synth/paper/generated"
    assert {f"{gen}/macros_sae_full.tex", f"{gen}/table_sae_full.tex"} <= set(inputs)
    assert "paper/sae_full.tex" in inputs
    # the rest of the GTZAN study, without what needs the real GTZAN
    assert "synthesize_dataset" in jobs and "download_gtzan" not in jobs
    assert "gtzan_split" not in jobs
    assert len(jobs["sae_fit"]) > 1  # the SAE study's own subset and points are still there


def test_an_override_with_the_graph_adds_its_graph_to_the_fit(workdir):
    (workdir / "config" / "full-graph.yaml").write_text(
        yaml.safe_dump({"experiments": {"sae_full": {"overrides": {"lg": 100.0, "k": 6}}}})
    )
    jobs = dry_run(workdir, *OVERLAYS, "config/full-graph.yaml")
    assert len(jobs["sae_full_knn_search"]) == len(jobs["sae_full_graph_laplacian"]) == 1
    (fit,) = jobs["sae_full_fit"]
    assert "results/gtzan-synth/sae_full/graph/laplacian.npz" in fit["input"]


def test_a_bad_override_key_stops_the_workflow_naming_it(workdir):
    (workdir / "config" / "full-bad.yaml").write_text(
        yaml.safe_dump({"experiments": {"sae_full": {"overrides": {"n_atom": 512}}}})
    )
    proc = snakemake(workdir, "-n", "--configfile", *OVERLAYS, "config/full-bad.yaml", check=False)
    assert proc.returncode != 0
    assert (
        "config key 'experiments.sae_full.overrides.n_atom': unknown setting 'n_atom'"
        in proc.stdout + proc.stderr
    )
