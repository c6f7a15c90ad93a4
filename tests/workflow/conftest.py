"""Fixtures that run the real workflow, in a copy of the repository, on the tiny config.

The copy includes the library sources (``src/``): every rule declares the modules its script
imports as inputs, and the jobs of a copy import the library from the copy (``PYTHONPATH``),
so that a test can edit a module there and see exactly the jobs that rerun.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_FILES = ("Snakefile", "rules", "scripts", "src", "config", "envs", "paper", "profiles")


def copy_workflow(dest: Path) -> Path:
    """Copy the workflow (not results, not the venv) into ``dest``."""
    for name in WORKFLOW_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(
                src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(src, dest / name)
    return dest


def workflow_env(workdir: Path) -> dict[str, str]:
    """Environment of a Snakemake run in ``workdir``: the library imported from its copy."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(workdir / "src"), *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


def single_threaded() -> list[str]:
    """``--set-threads`` values that run every rule of the workflow on one thread."""
    text = "\n".join(p.read_text() for p in sorted((REPO / "rules").glob("*.smk")))
    return [f"{rule}=1" for rule in re.findall(r"^rule (\w+):$", text, flags=re.M)]


def snakemake_command(*args: str) -> list[str]:
    """``python -m snakemake`` on the tiny config (+ extra args), as the tests run it."""
    # Test-only: the tiny jobs are dominated by start-up, so run them single-threaded, two at a
    # time, instead of one at a time with both cores (the heavy rules ask for 2 threads). The
    # SLURM tests grant one CPU per job too, and compare their outputs with this run's (the
    # provenance records record threads).
    single = single_threaded()
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--cores",
        "2",
        "--set-threads",
        *single,
        "--configfile",
        "config/test.yaml",
        *args,
    ]


def snakemake(
    workdir: Path, *args: str, check: bool = True, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m snakemake`` in ``workdir`` on the tiny config (+ extra args).

    ``env`` adds to (or overrides) the environment of the run; a ``PYTHONPATH`` there comes
    before the copy's library sources.
    """
    cmd = snakemake_command(*args)
    run_env = workflow_env(workdir)
    for key, value in (env or {}).items():
        run_env[key] = os.pathsep.join([value, run_env[key]]) if key == "PYTHONPATH" else value
    proc = subprocess.run(
        cmd,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        env=run_env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
        )
    return proc


_RULE = re.compile(r"^(?:local)?rule (\w+):$")
_WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")


def planned_jobs(workdir: Path, *overlays: str) -> set[tuple[str, frozenset]]:
    """Jobs a dry run would execute, as ``(rule, {wildcard=value, ...})``."""
    proc = snakemake(
        workdir, "-n", *(["--configfile", "config/test.yaml", *overlays] if overlays else [])
    )
    jobs, rule, wildcards = set(), None, frozenset()
    for line in (proc.stdout + proc.stderr).splitlines():
        match = _RULE.match(line)
        if match:
            if rule:
                jobs.add((rule, wildcards))
            rule, wildcards = match.group(1), frozenset()
            continue
        match = _WILDCARDS.match(line)
        if match and rule:
            wildcards = frozenset(w.strip() for w in match.group(1).split(","))
    if rule:
        jobs.add((rule, wildcards))
    return jobs


def tiny_config() -> dict:
    """The merged default + tiny configuration, as the workflow sees it (before defaults)."""
    base = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    over = yaml.safe_load((REPO / "config" / "test.yaml").read_text())

    def merge(a: dict, b: dict) -> dict:
        for k, v in b.items():
            a[k] = merge(a.get(k, {}), v) if isinstance(v, dict) else v
        return a

    return merge(base, over)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A workflow copy in which the tiny config has been run to the PDF."""
    workdir = copy_workflow(tmp_path_factory.mktemp("tiny"))
    snakemake(workdir)
    return workdir
