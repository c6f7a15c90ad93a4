"""Rule scripts run by hand (scripts/run_rule.py) on the files of the finished tiny run.

The runner loads the workflow with Snakemake's API, finds the job that makes a file and runs
its script in-process with the ``snakemake`` object; by default into a scratch folder. Run by
hand, a deterministic step gives the finished run's outputs exactly, and the finished tree is
left as it was (nothing rewritten, nothing planned).
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import REPO, planned_jobs, workflow_env
from test_workflow import dataset_dir

workflow = pytest.mark.workflow


def run_by_hand(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """``python scripts/run_rule.py ARGS`` in ``workdir`` on the tiny config, one core.

    One core: the finished tiny run gave every rule one thread (conftest.snakemake_command).
    """
    cmd = [sys.executable, "scripts/run_rule.py", *args, "--configfile", "config/test.yaml"]
    return subprocess.run(
        [*cmd, "--cores", "1"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        env=workflow_env(workdir),
    )


def ran(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, (
        f"run by hand failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    )
    return proc


def tree_state(root: Path) -> dict[str, tuple[int, str]]:
    """Modification time and SHA-256 of every file under ``root``."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def laplacian_target(workdir: Path) -> Path:
    found = sorted(dataset_dir(workdir).glob("graph/all/noise~*/laplacian_k~*.npz"))
    assert found, "the tiny run made no graph of all frames"
    return found[0].relative_to(workdir)


@workflow
def test_graph_laplacian_by_hand_gives_the_finished_runs_graph(tiny_run, tmp_path):
    target = laplacian_target(tiny_run)
    before = tree_state(dataset_dir(tiny_run))
    proc = ran(run_by_hand(tiny_run, str(target), "--out", str(tmp_path)))
    assert "running rule graph_laplacian" in proc.stdout

    mine, theirs = sp.load_npz(tmp_path / target), sp.load_npz(tiny_run / target)
    assert mine.format == theirs.format == "csr" and mine.shape == theirs.shape
    for part in ("data", "indices", "indptr"):  # the same steps on the same data: exactly equal
        assert np.array_equal(getattr(mine, part), getattr(theirs, part)), part
    stats = target.with_suffix(".json")
    assert json.loads((tmp_path / stats).read_text()) == json.loads((tiny_run / stats).read_text())
    # The log and the provenance side files went to the scratch folder too.
    (log,) = (tmp_path / dataset_dir(tiny_run).relative_to(tiny_run) / "logs").iterdir()
    assert log.name.startswith("graph_laplacian_") and "graph:" in log.read_text()
    prov = json.loads((tmp_path / f"{target}.prov.json").read_text())
    assert prov["rule"] == "graph_laplacian" and prov["threads"] == 1
    assert prov["sha256"] == hashlib.sha256((tmp_path / target).read_bytes()).hexdigest()

    assert tree_state(dataset_dir(tiny_run)) == before  # the finished run was not touched
    assert not (tiny_run / "debug").exists()
    assert planned_jobs(tiny_run) == set()


@workflow
@pytest.mark.parametrize(
    ("rule", "name"),
    [("export_data_macros", "macros_data.tex"), ("plot_confusion", "fig_confusion.pdf")],
)
def test_export_rule_by_hand_rewrites_the_same_bytes(tiny_run, tmp_path, rule, name):
    target = (dataset_dir(tiny_run) / "paper" / "generated" / name).relative_to(tiny_run)
    before = tree_state(dataset_dir(tiny_run))
    proc = ran(run_by_hand(tiny_run, str(target), "--out", str(tmp_path)))
    assert f"running rule {rule}" in proc.stdout
    assert (tmp_path / target).read_bytes() == (tiny_run / target).read_bytes()
    assert tree_state(dataset_dir(tiny_run)) == before


@workflow
def test_show_prints_the_job_and_runs_nothing(tiny_run, tmp_path):
    target = laplacian_target(tiny_run)
    proc = ran(run_by_hand(tiny_run, str(target), "--show", "--out", str(tmp_path)))
    k = target.stem.split("~")[1]
    rows = proc.stdout.splitlines()
    for line in ("rule: graph_laplacian", f"    k: {k}", f"    laplacian: {target}", "    csigma:"):
        assert any(row.startswith(line) for row in rows), f"{line!r} not in:\n{proc.stdout}"
    assert f"writes under: {tmp_path}" in proc.stdout
    assert not list(tmp_path.iterdir())


@workflow
def test_a_target_no_rule_makes_and_a_missing_input_are_told_clearly(tiny_run, tmp_path):
    proc = run_by_hand(tiny_run, "results/no/such/file.npz", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "no rule of the workflow makes results/no/such/file.npz" in proc.stderr
    assert "Traceback" not in proc.stderr

    # A graph of a K the tiny run never searched: its kNN input does not exist.
    graph = laplacian_target(tiny_run).parent
    ks = [int(p.stem.split("~")[1]) for p in (tiny_run / graph).glob("knn_k~*.npz")]
    knn = graph / f"knn_k~{max(ks) + 1}.npz"
    proc = run_by_hand(
        tiny_run, str(graph / f"laplacian_k~{max(ks) + 1}.npz"), "--out", str(tmp_path)
    )
    assert proc.returncode == 2
    assert "rule graph_laplacian needs inputs that do not exist" in proc.stderr
    assert str(knn) in proc.stderr and "build them with Snakemake first" in proc.stderr
    assert not list(tmp_path.iterdir())


def rule_scripts() -> list[Path]:
    return sorted((REPO / "scripts").glob("*.py"))


@pytest.mark.parametrize("script", rule_scripts(), ids=lambda p: p.name)
def test_every_script_defines_main_and_calls_it_only_as_a_program(script):
    """Importing a script runs nothing; run as ``__main__`` (Snakemake, by hand) it calls main."""
    tree = ast.parse(script.read_text())
    assert any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body)
    *body, last = tree.body
    guard = ast.parse('if __name__ == "__main__":\n    main()').body[0]
    sys_exit = ast.parse('if __name__ == "__main__":\n    sys.exit(main())').body[0]
    assert ast.dump(last) in (ast.dump(guard), ast.dump(sys_exit)), (
        f'{script.name} must end with: if __name__ == "__main__": main()'
    )
    calls = [
        node for node in body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    ]
    assert not calls, f"{script.name} runs code at import time, outside main()"
