"""End-to-end: the tiny config builds the PDF; reruns plan exactly the affected jobs."""

from __future__ import annotations

import pytest
import yaml
from conftest import copy_workflow, planned_jobs, snakemake, tiny_config

pytestmark = pytest.mark.workflow


def dataset_dir(workdir):
    return workdir / "results" / tiny_config()["dataset"]["name"]


def test_tiny_run_builds_the_paper(tiny_run):
    out = dataset_dir(tiny_run)
    pdf = out / "paper" / "paper.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    macros = (out / "paper" / "generated" / "macros_classify.tex").read_text()
    assert "\\newcommand{\\AccCqtThreeGrouped}" in macros
    table = (out / "paper" / "generated" / "table_accuracy.tex").read_text()
    assert "\\toprule" in table and "+-" in table
    cfg = tiny_config()
    n_clips = len(cfg["dataset"]["genres"]) * cfg["synth"]["clips_per_genre"]
    assert len((out / "tracks.csv").read_text().splitlines()) == n_clips + 1
    for log in (out / "logs").iterdir():
        assert log.stat().st_size > 0, f"{log.name} is empty: output not redirected into it"


def test_deep_generative_tables_and_figures_hold_numbers(tiny_run):
    """The deep generative study (DBN, ConvRBM, VAE): its tables, macros and figures exist, with
    measured numbers."""
    import re

    gen = dataset_dir(tiny_run) / "paper" / "generated"
    layers = (gen / "table_dbn_layers.tex").read_text()
    assert "all layers" in layers and "DBN frame vote" in layers
    assert len(re.findall(r"\d+\.\d \+- \d+\.\d", layers)) >= 7  # 2 stages x 3 rows + vote
    assert "Hamel" not in layers  # theirs only beside GTZAN results
    pooling = (gen / "table_convrbm.tex").read_text()
    for label in ("Flatten", "Global average", "Max", "Global max", "Average 2-D"):
        assert re.search(rf"^{label} & \d+ & \d+\.\d \+- ", pooling, re.M), label
    macros = (gen / "macros_deep.tex").read_text()
    learned = tiny_config()["classify"]["learned"]
    main_rows = [f"DeepMainAcc{m.title()}" for m in ("dbn", "convrbm", "vae") if m in learned]
    assert main_rows  # the tiny config scores at least one of them in the main table
    for name in (*main_rows, "DeepVaeAcc"):
        assert re.search(rf"\\newcommand{{\\{name}}}{{\d+\.\d}}", macros), name
    accuracy = (gen / "table_accuracy.tex").read_text()
    labels = {"dbn": "DBN (all layers)", "convrbm": "ConvRBM", "vae": "Conv. VAE"}
    for method, label in labels.items():
        assert (label in accuracy) == (method in learned), label
    for fig in ("fig_deep_curves.pdf", "fig_deep_tsne.pdf"):
        assert (gen / fig).read_bytes()[:5] == b"%PDF-"


def test_finished_tree_plans_nothing(tiny_run):
    proc = snakemake(tiny_run, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def _write_overlay(workdir, name, content):
    path = workdir / "config" / name
    path.write_text(yaml.safe_dump(content))
    return f"config/{name}"


def sae_study(cfg):
    """Point names of the tiny study, as the workflow derives them."""
    from genrelearn.sae.points import (
        base_params,
        study_points,
        sweep_points,
        thesis_table_points,
    )

    base = base_params(cfg["sae"], cfg["graph"])
    sweeps = sweep_points(cfg["experiments"]["sweeps"], base)
    table = thesis_table_points(
        cfg["experiments"]["thesis_table"]["noise"], cfg["experiments"]["thesis_table"]["lg"], base
    )
    return base, sweeps, table, study_points(base, sweeps, table)


def test_svm_c_edit_reruns_exactly_classification_export_and_paper(tiny_run):
    cfg = tiny_config()
    overlay = _write_overlay(tiny_run, "c.yaml", {"classify": {"svm": {"C": 2.0}}})
    jobs = planned_jobs(tiny_run, overlay)
    expected = {
        ("classify", frozenset({f"feature={f}", f"ngenres={n}", f"protocol={p}"}))
        for f in cfg["classify"]["features"] + cfg["classify"]["learned"]
        for n in cfg["classify"]["n_genres"]
        for p in cfg["classify"]["protocols"]
    }
    _, sweeps, table, _ = sae_study(cfg)
    evaluated = {(name, p) for _, _, name in table for p in cfg["sae"]["protocols"]}
    evaluated |= {(name, "thesis") for values in sweeps.values() for _, name in values}
    expected |= {
        ("sae_classify", frozenset({f"point={name}", f"protocol={p}"})) for name, p in evaluated
    }
    expected |= {
        ("export_classification", frozenset()),
        ("export_sae", frozenset()),
        ("plot_confusion", frozenset()),
        ("plot_sae", frozenset({"figure=sweeps"})),
        # the deep generative study (DBN, ConvRBM, VAE): the DBN study by layer uses the same SVM
        ("deep_dbn_layers", frozenset()),
        ("export_deep_generative", frozenset()),
        ("plot_deep_generative", frozenset({"figure=curves"})),  # its fine-tuning curves
        ("paper", frozenset()),
        ("all", frozenset()),
    }
    assert jobs == expected


def test_figure_style_edit_redraws_figures_only(tiny_run):
    overlay = _write_overlay(tiny_run, "dpi.yaml", {"figures": {"dpi": 61}})
    assert planned_jobs(tiny_run, overlay) == {
        ("plot_spectrograms", frozenset({"feature=cqt"})),
        ("plot_spectrograms", frozenset({"feature=mel"})),
        ("plot_confusion", frozenset()),
        ("export_random_cnn", frozenset()),  # its figure
        ("export_supervised_features", frozenset()),  # the CNN/LSTM study
        ("export_supervised", frozenset()),  # the CNN/LSTM study
        *{
            ("plot_sae", frozenset({f"figure={f}"}))
            for f in ("convergence", "atoms", "sweeps", "codes")
        },
        # the deep generative study (DBN, ConvRBM, VAE)
        *{("plot_deep_generative", frozenset({f"figure={f}"})) for f in ("curves", "tsne")},
        ("paper", frozenset()),
        ("all", frozenset()),
    }


def test_graph_sigma_edit_reweights_without_a_new_knn_search(tiny_run):
    cfg = tiny_config()
    overlay = _write_overlay(tiny_run, "sigma.yaml", {"graph": {"csigma": 2.0}})
    jobs = planned_jobs(tiny_run, overlay)
    rules = {rule for rule, _ in jobs}
    assert "knn_search" not in rules
    assert "graph_laplacian" in rules
    _, _, _, points = sae_study(cfg)
    # every fit that uses a graph is redone, and only those
    fitted = {dict(w.split("=") for w in wc)["point"] for rule, wc in jobs if rule == "sae_fit"}
    assert fitted == {
        name for name, p in points.items() if p["model"] == "sae" and float(p["lg"]) > 0
    }
    assert not rules & {"synthesize_dataset", "extract_features", "sae_frames", "cqt_codes"}
    assert not rules & {"classify"}
    # the SAE's base point is a row of the main accuracy table, so that table is rewritten
    assert "export_classification" in rules


def test_knn_k_edit_reruns_search_and_downstream(tiny_run):
    overlay = _write_overlay(tiny_run, "k.yaml", {"graph": {"k": 6}})
    jobs = planned_jobs(tiny_run, overlay)
    rules = {rule for rule, _ in jobs}
    assert {"knn_search", "graph_laplacian", "sae_fit", "sae_classify", "paper"} <= rules
    assert not rules & {"synthesize_dataset", "extract_features", "cqt_codes", "classify"}
    assert all("k=6" in wc for rule, wc in jobs if rule == "knn_search")
    _, _, _, points = sae_study(tiny_config())
    fitted = {dict(w.split("=") for w in wc)["point"] for rule, wc in jobs if rule == "sae_fit"}
    assert fitted == {
        name for name, p in points.items() if p["model"] == "sae" and float(p["lg"]) > 0
    }


def test_bad_config_value_names_the_key(tmp_path):
    workdir = copy_workflow(tmp_path)
    overlay = _write_overlay(workdir, "bad.yaml", {"classify": {"svm": {"C": -1}}})
    proc = snakemake(workdir, "-n", "--configfile", "config/test.yaml", overlay, check=False)
    assert proc.returncode != 0
    assert "config key 'classify.svm.C'" in proc.stderr + proc.stdout
    overlay = _write_overlay(workdir, "bad2.yaml", {"classify": {"n_genres": [2, 7]}})
    proc = snakemake(workdir, "-n", "--configfile", "config/test.yaml", overlay, check=False)
    assert proc.returncode != 0
    assert "classify.n_genres" in proc.stderr + proc.stdout


def _digest(root, patterns):
    import hashlib

    out = {}
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_two_clean_runs_give_identical_data_and_tables(tiny_run, tmp_path):
    other = copy_workflow(tmp_path)
    snakemake(other)
    patterns = ("audio/**/*.wav", "audio/metadata.csv", "tracks.csv", "paper/generated/*.tex")
    first = _digest(dataset_dir(tiny_run), patterns)
    second = _digest(dataset_dir(other), patterns)
    assert len([k for k in first if k.endswith(".tex")]) >= 6
    assert first == second
