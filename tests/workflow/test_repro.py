"""Reproducibility machinery: exact rerun sets, code edits, recovery, provenance, report.

Dry-run plans reuse the single finished tiny run (an overlay config changes nothing on disk);
tests that edit code or execute jobs work on their own copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import (
    REPO,
    copy_workflow,
    planned_jobs,
    snakemake,
    snakemake_command,
    tiny_config,
    workflow_env,
)
from test_workflow import _write_overlay, dataset_dir, sae_study

pytestmark = pytest.mark.workflow


def job(rule, **wildcards):
    return (rule, frozenset(f"{k}={v}" for k, v in wildcards.items()))


PAPER_JOBS = {job("paper"), ("all", frozenset())}


def test_sweep_point_edit_reruns_that_point_and_the_aggregates_only(tiny_run):
    cfg = tiny_config()
    old = cfg["experiments"]["sweeps"]["n_atoms"]
    new = [12 if v == 8 else v for v in old]
    assert new != old, "the tiny config's n_atoms sweep no longer has the point 8"
    overlay = _write_overlay(tiny_run, "sweep.yaml", {"experiments": {"sweeps": {"n_atoms": new}}})
    cfg["experiments"]["sweeps"]["n_atoms"] = new
    _, sweeps, _, _ = sae_study(cfg)
    (point,) = [name for value, name in sweeps["n_atoms"] if value == 12]
    assert planned_jobs(tiny_run, overlay) == {
        job("sae_fit", part="all", point=point),
        job("sae_classify", point=point, protocol="thesis"),
        job("export_sae"),
        job("plot_sae", figure="sweeps"),
        *PAPER_JOBS,
    }


def test_feature_parameter_edit_reruns_that_feature_downstream_only(tiny_run):
    cfg = tiny_config()
    overlay = _write_overlay(tiny_run, "mfcc.yaml", {"features": {"mfcc": {"n_mfcc": 13}}})
    assert planned_jobs(tiny_run, overlay) == {
        job("extract_features", feature="mfcc"),
        job("pool_features", feature="mfcc"),
        *{
            job("classify", feature="mfcc", ngenres=n, protocol=p)
            for n in cfg["classify"]["n_genres"]
            for p in cfg["classify"]["protocols"]
        },
        job("export_data_macros"),  # reports the MFCC settings and vector counts
        job("export_classification"),
        *PAPER_JOBS,
    }


def test_figure_style_option_redraws_only_its_figure(tiny_run):
    # figures.cmap styles the spectrogram figure (one per feature shown) and nothing else;
    # figures.dpi, shared by every figure, is checked in test_workflow.py.
    overlay = _write_overlay(tiny_run, "cmap.yaml", {"figures": {"cmap": "viridis"}})
    assert planned_jobs(tiny_run, overlay) == {
        job("plot_spectrograms", feature="cqt"),
        job("plot_spectrograms", feature="mel"),
        job("export_supervised_features"),  # the CNN/LSTM study: mel/chroma figure
        *PAPER_JOBS,
    }


def test_example_clip_edit_redraws_only_the_figures_that_show_it(tiny_run):
    overlay = _write_overlay(tiny_run, "clip.yaml", {"figures": {"example_clip": 1}})
    assert planned_jobs(tiny_run, overlay) == {
        job("plot_spectrograms", feature="cqt"),
        job("plot_spectrograms", feature="mel"),
        job("plot_sae", figure="codes"),
        *PAPER_JOBS,
    }


def copy_finished_tree(src: Path, dest: Path) -> Path:
    """A copy of a finished workflow tree (results and Snakemake's metadata, mtimes kept)."""
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def plan(workdir, *args):
    """Jobs of a dry run with extra command-line arguments (not config overlays)."""
    return planned_jobs(workdir, *args)


def test_library_edit_reruns_exactly_the_rules_that_import_it(tiny_run, tmp_path):
    tree = copy_finished_tree(tiny_run, tmp_path / "tree")
    assert plan(tree) == set()
    # Rewriting a module or a script as it was (new mtime, same content, as a checkout does)
    # reruns nothing: Snakemake compares the checksum it recorded for each code input.
    later = time.time() + 5
    for path in ("src/genrelearn/graph.py", "src/genrelearn/io.py", "scripts/classify.py"):
        os.utime(tree / path, (later, later))
    assert plan(tree) == set()
    # Editing a script reruns its rule (and what follows).
    script = tree / "scripts" / "plot_confusion.py"
    script.write_text(script.read_text() + "\n# an edit of the script\n")
    assert plan(tree) == {job("plot_confusion"), *PAPER_JOBS}
    script.write_text(script.read_text().replace("\n# an edit of the script\n", ""))

    # The solver is imported by sae_fit only: editing it reruns the fits and what uses their
    # codes, exactly as forcing sae_fit would, and no kNN search, frames or CQT baseline.
    forced = plan(tree, "--forcerun", "sae_fit")
    solver = tree / "src" / "genrelearn" / "sae" / "fista.py"
    solver.write_text(solver.read_text() + "\n# an edit of the solver\n")
    jobs = plan(tree)
    assert jobs == forced
    rules = {rule for rule, _ in jobs}
    assert "sae_fit" in rules
    assert not rules & {"knn_search", "graph_laplacian", "sae_frames", "sae_splits", "cqt_codes"}
    assert not rules & {"synthesize_dataset", "extract_features", "classify"}

    # The figure helpers: every figure and the export that imports them, then the paper.
    solver.write_text(solver.read_text().replace("\n# an edit of the solver\n", ""))
    figures = tree / "src" / "genrelearn" / "report" / "figures.py"
    figures.write_text(figures.read_text() + "\n# an edit of the figures\n")
    assert plan(tree) == {
        job("plot_spectrograms", feature="cqt"),
        job("plot_spectrograms", feature="mel"),
        job("plot_confusion"),
        *{job("plot_sae", figure=f) for f in ("convergence", "atoms", "sweeps", "codes")},
        job("export_sae"),  # its tables use the sweep summaries' helpers in sae_report
        job("export_random_cnn"),  # its figure
        # the deep generative study (DBN, ConvRBM, VAE)
        *{job("plot_deep_generative", figure=f) for f in ("curves", "tsne")},
        job("export_supervised_features"),  # the CNN/LSTM study
        job("export_supervised"),  # the CNN/LSTM study
        *PAPER_JOBS,
    }


def _same_results(a: Path, b: Path, rel: str) -> None:
    fa, fb = a / rel, b / rel
    if fa.suffix == ".npz":
        with np.load(fa) as za, np.load(fb) as zb:
            assert sorted(za.files) == sorted(zb.files), rel
            for key in za.files:
                np.testing.assert_array_equal(za[key], zb[key], err_msg=f"{rel}:{key}")
    else:
        assert fa.read_bytes() == fb.read_bytes(), rel


#: PyTorch rules (their sums, split over CPU threads, round differently with another thread
#: count) and one output of each, compared bit for bit.
PYTORCH_OUTPUTS = {
    "sae_fit": "sae/r0f0/sae/model.npz",
    "deep_dbn": "learned/dbn/vectors.npz",
    "deep_vae": "learned/vae/vectors.npz",
    "random_cnn_features": "learned/rcnn_vgg/vectors.npz",
    "supervised_classify": "supervised/classify/backbones.pt",
}


def _tensors(value, key=""):
    """Every tensor of a nested dict saved by ``torch.save``, by its dotted key."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _tensors(v, f"{key}.{k}")
    elif isinstance(value, torch.Tensor):
        yield key, value


def _same_bits(a: Path, b: Path) -> bool:
    """The arrays (``.npz``) or tensors (``.pt``) of two files are bit-identical."""
    if a.suffix == ".pt":
        ta, tb = (dict(_tensors(torch.load(p, weights_only=True))) for p in (a, b))
        return sorted(ta) == sorted(tb) and all(
            ta[k].dtype == tb[k].dtype and torch.equal(ta[k], tb[k]) for k in ta
        )
    with np.load(a) as x, np.load(b) as y:
        return sorted(x) == sorted(y) and all(
            x[k].dtype == y[k].dtype and x[k].tobytes() == y[k].tobytes() for k in x
        )


def test_granted_cores_do_not_change_pytorch_results(tiny_run, tmp_path):
    """PyTorch computes with the config's threads, not with the cores a job is granted."""
    tree = copy_finished_tree(tiny_run, tmp_path / "tree")
    out = dataset_dir(tree)
    targets = [str((out / rel).relative_to(tree)) for rel in PYTORCH_OUTPUTS.values()]
    # The tiny run granted each job one core; these jobs now get two.
    granted = [f"{rule}=2" for rule in PYTORCH_OUTPUTS]
    snakemake(tree, "--set-threads", *granted, "--forcerun", *PYTORCH_OUTPUTS, "-p", *targets)
    for rule, rel in PYTORCH_OUTPUTS.items():
        prov = json.loads((out / f"{rel}.prov.json").read_text())
        assert prov["rule"] == rule and prov["threads"] == 2, rel  # rerun with two cores
        assert (out / rel).stat().st_mtime > (dataset_dir(tiny_run) / rel).stat().st_mtime, rel
        assert _same_bits(out / rel, dataset_dir(tiny_run) / rel), f"{rel} changed"


def test_killed_run_recovers_with_rerun_incomplete(tiny_run, tmp_path):
    """Kill a run (SIGKILL, no clean-up) while it writes the audio, rerun, compare."""
    workdir = copy_workflow(tmp_path)
    out = dataset_dir(workdir)
    audio = out / "audio"
    target = str((out / "tracks.csv").relative_to(workdir))
    cfg = tiny_config()
    n_clips = len(cfg["dataset"]["genres"]) * cfg["synth"]["clips_per_genre"]
    # (a flag between --configfile and the target, or the target is read as a config file)
    proc = subprocess.Popen(
        snakemake_command("--printshellcmds", target),
        cwd=workdir,
        env=workflow_env(workdir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            # The tiny clips are rendered at dozens per second: kill at the first one.
            if any(audio.glob("genres/*/*.wav")):
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the run ended before it could be killed"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # Killed mid-job: a partial audio folder, no index, the job marked incomplete.
    assert (
        len(list(audio.glob("genres/*/*.wav"))) < n_clips or not (audio / "metadata.csv").exists()
    )
    assert not (out / "tracks.csv").exists()
    assert any((workdir / ".snakemake" / "incomplete").iterdir())

    # A hard kill leaves Snakemake's lock on the outputs: release it, then redo what the
    # killed run left incomplete (Snakemake deletes the partial folder first).
    locked = snakemake(workdir, "--rerun-incomplete", target, check=False)
    assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr
    snakemake(workdir, "--unlock")
    snakemake(workdir, "--rerun-incomplete", target)
    reference = dataset_dir(tiny_run)
    wavs = sorted(audio.glob("genres/*/*.wav"))
    assert len(wavs) == n_clips
    for rel in ["tracks.csv", "audio/metadata.csv", *(str(p.relative_to(out)) for p in wavs)]:
        _same_results(out, reference, rel)
    proc = snakemake(workdir, "-n", target)
    assert "Nothing to be done" in proc.stdout + proc.stderr


def compute_rules() -> set[str]:
    """Rules of the compute stages: every rule but the paper and the exports and figures it reads.

    A rule is an export when it writes under the paper's generated folder (``gen(...)``).
    """
    names = set()
    for smk in (REPO / "rules").glob("*.smk"):
        for name, body in re.findall(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)*)", smk.read_text(), re.M):
            output = re.search(r"^    output:\n((?:        .*\n)*)", body, re.M)
            if name != "paper" and "gen(" not in output.group(1):
                names.add(name)
    return names


def _digest(path: Path) -> str:
    """SHA-256 of a file, or of a folder's visible files (Snakemake adds a hidden timestamp)."""
    if not path.is_dir():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    h = hashlib.sha256()

    def hidden(q):
        return any(part.startswith(".") for part in q.relative_to(path).parts)

    for p in sorted(q for q in path.rglob("*") if q.is_file() and not hidden(q)):
        h.update(p.relative_to(path).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def test_every_compute_result_has_a_provenance_side_file(tiny_run):
    summary = snakemake(tiny_run, "--summary").stdout.splitlines()
    header = summary[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=False)) for line in summary[1:] if line]
    compute = compute_rules()
    checked = 0
    for row in rows:
        if row["rule"] not in compute:
            continue
        result = tiny_run / row["output_file"]
        side = Path(str(result) + ".prov.json")
        assert side.is_file(), f"{row['output_file']} ({row['rule']}) has no provenance file"
        rec = json.loads(side.read_text())
        assert rec["rule"] == row["rule"]
        assert rec["file"] == row["output_file"] and row["output_file"] in rec["outputs"]
        assert rec["sha256"] == _digest(result), f"{side.name} does not describe its file"
        assert isinstance(rec["params"], dict) and rec["params"]
        assert rec["file"].startswith(f"results/{tiny_config()['dataset']['name']}/")
        assert rec["git"] == {"commit": "unknown", "dirty": "unknown"}  # the copy is no checkout
        assert "numpy" in rec["packages"] and "snakemake" in rec["packages"]
        assert rec["device"]["cpus"] >= 1 and rec["wall_seconds"] >= 0
        if row["rule"] == "sae_fit":
            assert rec["device"]["torch"] == "cpu" or rec["device"]["torch"].startswith("cuda")
        if row["rule"] == "classify":
            assert rec["params"]["svm"] == tiny_config()["classify"]["svm"]
        checked += 1
    assert checked >= 30
    # every compute rule of the synthetic study (the GTZAN ones and the full-scale experiment,
    # off in this configuration, do not run here)
    skipped = {r for r in compute if "gtzan" in r or r.startswith("sae_full")}
    assert {row["rule"] for row in rows} >= compute - skipped
    # The paper stage's exports and figures are cheap derivations: no side files there.
    assert not list((dataset_dir(tiny_run) / "paper").rglob("*.prov.json"))


def test_report_has_every_figure_and_table_by_stage(tiny_run):
    report = dataset_dir(tiny_run) / "report.html"
    snakemake(tiny_run, "--report", str(report.relative_to(tiny_run)))
    html = report.read_text(encoding="utf-8")
    match = re.search(r"^\s*var categories = (\{.*\});$", html, re.MULTILINE)
    assert match, "no categories in the report"
    by_category = {
        category: sorted(Path(f).name for files in sub.values() for f in files)
        for category, sub in json.loads(match.group(1)).items()
    }
    generated = dataset_dir(tiny_run) / "paper" / "generated"
    figures_and_tables = sorted(
        p.name for p in generated.glob("*.*") if p.suffix in (".pdf", ".tex")
    )
    figures_and_tables = [n for n in figures_and_tables if not n.startswith("macros_")]
    assert by_category == {
        "Data": ["table_attributes.tex", "table_synth.tex"],
        "Features": ["fig_spectrograms_cqt.pdf", "fig_spectrograms_mel.pdf"],
        "Classification": ["fig_confusion.pdf", "table_accuracy.tex", "table_perclass.tex"],
        "Structured auto-encoder": sorted(
            [f"fig_sae_{f}.pdf" for f in ("atoms", "codes", "convergence", "sweeps")]
            + ["table_sae_sweeps.tex", "table_sae_thesis.tex"]
        ),
        "Paper": ["paper.pdf"],
        "Random CNNs": ["fig_random_cnn.pdf", "table_random_cnn.tex"],
        # the deep generative study (DBN, ConvRBM, VAE)
        "Deep generative models": [
            "fig_deep_curves.pdf",
            "fig_deep_tsne.pdf",
            "table_convrbm.tex",
            "table_dbn_layers.tex",
        ],
        # the CNN/LSTM study
        "Supervised": sorted(
            [f"fig_supervised_{f}.pdf" for f in ("confusion", "curves", "spectrograms")]
            + [f"table_supervised_{t}.tex" for t in ("affect", "classify", "shapes")]
        ),
    }
    # every figure and table the paper inputs is in the report, with its caption
    assert sorted(n for names in by_category.values() for n in names if n != "paper.pdf") == (
        figures_and_tables
    )
    assert "Accuracy (%) of the linear SVM" in html and "One-parameter sweeps" in html
