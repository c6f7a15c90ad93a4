"""The tiny workflow through ``--profile profiles/slurm`` on a real single-node SLURM cluster.

``make test-slurm`` installs the Debian packages (as root) and runs this module
(``pytest -m slurm tests/slurm``; plain ``pytest`` deselects it). ``cluster.sh`` brings up
slurmctld and slurmd on localhost (plus slurmdbd and a private MariaDB for the accounting test),
each test runs the workflow through the user's profile, with only test settings overlaid (first
status check after 1 s, one CPU per job, memory capped to the node, account and partition of the
test cluster), and every daemon started is stopped by PID at the end, whatever happened.

Without root or the packages the tests skip, saying why; ``GENRELEARN_REQUIRE_SLURM=1`` (CI)
turns that skip into a failure.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import yaml

pytestmark = pytest.mark.slurm

REPO = Path(__file__).resolve().parents[2]
CLUSTER_SH = REPO / "tests" / "slurm" / "cluster.sh"
ACCOUNT, PARTITION = "genrelearn", "debug"  # made by cluster.sh

# Helpers of the workflow tests (copy of the workflow, local run of the tiny config) and of the
# profile tests, loaded by path: the test directories are not packages.
_spec = importlib.util.spec_from_file_location(
    "genrelearn_slurm_profile_tests", REPO / "tests" / "slurm" / "test_profile.py"
)
_profile_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_profile_tests)
rule_names = _profile_tests.workflow_rules
copy_workflow = _profile_tests.workflow_helpers.copy_workflow
local_snakemake = _profile_tests.workflow_helpers.snakemake
workflow_env = _profile_tests.workflow_helpers.workflow_env
tiny_config = _profile_tests.workflow_helpers.tiny_config


def _cannot_run() -> str | None:
    if os.geteuid() != 0:
        return "the test cluster runs its daemons as root"
    proc = subprocess.run([str(CLUSTER_SH), "check"], capture_output=True, text=True, check=False)
    if proc.returncode:
        return f"{proc.stdout.strip()}; run `tests/slurm/cluster.sh install` as root"
    return None


@pytest.fixture(scope="module", autouse=True)
def _requirements():
    """Skip (fail under GENRELEARN_REQUIRE_SLURM=1) before any module fixture runs a workflow."""
    reason = _cannot_run()
    if reason:
        if os.environ.get("GENRELEARN_REQUIRE_SLURM") == "1":
            pytest.fail(f"GENRELEARN_REQUIRE_SLURM=1 but {reason}")
        pytest.skip(reason)


@contextmanager
def slurm_cluster(accounting: bool):
    """A fresh cluster (state in a new directory); yields the environment its clients need."""
    # Short path: MariaDB's socket lives in it (unix socket paths are limited to 107 bytes).
    state = Path(tempfile.mkdtemp(prefix="genrelearn-slurm-"))
    try:
        start = [str(CLUSTER_SH), "start", str(state)] + (["accounting"] if accounting else [])
        proc = subprocess.run(start, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, f"cluster start failed:\n{proc.stdout}\n{proc.stderr}"
        yield {**os.environ, "SLURM_CONF": str(state / "etc" / "slurm.conf")}
    finally:
        stop = subprocess.run(
            [str(CLUSTER_SH), "stop", str(state)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        left = sorted(p.name for p in (state / "pids").glob("*.pid"))
        assert stop.returncode == 0 and not left, f"cluster stop: {stop.stderr} {left}"
        shutil.rmtree(state, ignore_errors=True)


def planned_comments(workdir: Path, *targets: str) -> Counter:
    """``--comment`` strings of the jobs a dry run plans (the executor plugin's format)."""
    out = local_snakemake(workdir, "-n", *targets)
    comments, rule, values = Counter(), None, []
    for line in (out.stdout + out.stderr).splitlines() + ["rule _end_:"]:
        match = re.match(r"^(?:local)?rule (\w+):$", line)
        if match:
            if rule:
                comments[f"rule_{rule}" + (f"_wildcards_{'_'.join(values)}" if values else "")] += 1
            rule, values = match.group(1), []
        elif rule and (match := re.match(r"^\s+wildcards: (.*)$", line)):
            values = [kv.split("=", 1)[1] for kv in match.group(1).split(", ")]
    return comments


def comment_rule(comment: str, rules) -> str:
    """The rule of a job from its comment (``rule_<name>[_wildcards_...]``)."""
    names = [
        r for r in rules if comment == f"rule_{r}" or comment.startswith(f"rule_{r}_wildcards_")
    ]
    return max(names, key=len)


def node_memory_mb(env) -> int:
    out = subprocess.run(
        ["sinfo", "-h", "-N", "-o", "%m"], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.split()[0])


def overlay_profile(workdir: Path, env, accounting: bool) -> str:
    """Test-only settings over profiles/slurm, written as a second profile (it wins per key).

    Per-rule runtimes, GPUs and the rest of the user's profile reach sbatch unchanged; only what
    a 2-core test node cannot grant is scaled down: one CPU per job (the same threads as the
    local reference run) and at most half the node's memory per job.
    """
    user = yaml.safe_load((workdir / "profiles" / "slurm" / "config.yaml").read_text())
    cap = node_memory_mb(env) // 2
    resources = {
        rule: {**res, "cpus_per_task": 1, "mem_mb": min(res["mem_mb"], cap)}
        for rule, res in user["set-resources"].items()
    }
    defaults = {**user["default-resources"], "slurm_partition": PARTITION}
    if accounting:  # accounts exist only where accounting does
        defaults["slurm_account"] = ACCOUNT
    overlay = {
        "slurm-init-seconds-before-status-checks": 1,  # plugin default 40 s: minutes per level
        "slurm-keep-successful-logs": True,  # the test counts the job logs
        "default-resources": defaults,
        "set-threads": dict.fromkeys(rule_names(workdir), 1),
        "set-resources": resources,
    }
    path = workdir / "slurm-test-profile" / "config.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(overlay, sort_keys=False))
    return str(path.parent.relative_to(workdir))


def run_on_slurm(workdir: Path, env, overlay: str, *args: str, timeout: int) -> str:
    """``snakemake --profile profiles/slurm`` on the tiny config; the log text.

    Snakemake ignores SIGTERM while it believes jobs are running, and a status command that
    cannot see the jobs makes it wait forever: past ``timeout`` the whole process group gets
    SIGKILL and the test fails with the log's tail.
    """
    cmd = [sys.executable, "-m", "snakemake", "--profile", "profiles/slurm"]
    cmd += ["--profile", overlay, "--configfile", "config/test.yaml", *args]
    log = workdir / "snakemake-slurm.log"
    with log.open("w") as out:
        # The copy's environment (its library first on PYTHONPATH), which sbatch --export=ALL
        # hands on to the jobs.
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            env={**workflow_env(workdir), "SLURM_CONF": env["SLURM_CONF"]},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail(
                f"snakemake on SLURM still running after {timeout} s, killed:\n"
                + log.read_text()[-6000:]
            )
    text = log.read_text()
    assert rc == 0, f"{' '.join(cmd)} failed (rc {rc}):\n{text[-8000:]}"
    return text


def slurm_jobs(env, accounting: bool) -> list[dict]:
    """The cluster's jobs: from the accounting database (sacct) or the controller (squeue)."""
    if accounting:
        fields = [
            "JobIDRaw",
            "JobName%100",
            "State",
            "Comment%300",
            "ReqMem",
            "AllocCPUS",
            "Timelimit",
            "AllocTRES%200",
            "Account",
            "Partition",
        ]
        cmd = [
            "sacct",
            "-a",
            "-X",
            "-S",
            "2000-01-01",
            "--parsable2",
            "--noheader",
            "--format=" + ",".join(fields),
        ]
    else:  # finished jobs stay listed for MinJobAge (300 s)
        fields = ["JobIDRaw", "JobName", "State", "Comment", "Partition"]
        cmd = ["squeue", "--states=all", "-h", "-o", "%i|%j|%T|%k|%P"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    keys = [f.split("%")[0] for f in fields]
    return [dict(zip(keys, line.split("|"), strict=True)) for line in out.splitlines() if line]


def check_jobs_ran_on_slurm(workdir, env, log, planned, accounting) -> list[dict]:
    """Every non-local planned job is one completed SLURM job of this run, and nothing else."""
    rules = rule_names(workdir)
    remote = Counter({c: n for c, n in planned.items() if not rules[comment_rule(c, rules)]})
    run_id = re.search(r"SLURM run ID: (\S+)", log).group(1)
    jobs = [j for j in slurm_jobs(env, accounting) if j["Comment"].startswith("rule_")]
    assert jobs and all(j["JobName"] == run_id for j in jobs), "jobs of another run"
    assert Counter(j["Comment"] for j in jobs) == remote
    assert {j["State"] for j in jobs} == {"COMPLETED"}
    assert {j["Partition"] for j in jobs} == {PARTITION}
    # The plugin's per-job logs (kept by the overlay), one per SLURM job id, under its rule.
    logs = list((workdir / ".snakemake" / "slurm_logs").glob("rule_*/**/*.log"))
    assert sorted(p.stem for p in logs) == sorted(j["JobIDRaw"] for j in jobs)
    assert Counter(p.relative_to(workdir / ".snakemake" / "slurm_logs").parts[0] for p in logs) == (
        Counter("rule_" + comment_rule(j["Comment"], rules) for j in jobs)
    )
    return jobs


def timelimit(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    clock = f"{rest // 60:02d}:{rest % 60:02d}:00"
    return f"{days}-{clock}" if days else clock


# --- outputs ---------------------------------------------------------------------------------
COMPARED = {".json", ".csv", ".tex", ".wav", ".npz"}
# Wall-clock fields differ run to run (also in the .prov.json side files: started, finished).
TIMING = re.compile(r"time|seconds|elapsed|duration_s$|^started$|^finished$")


def outputs(workdir: Path) -> dict[str, Path]:
    root = workdir / "results" / tiny_config()["dataset"]["name"]
    return {
        str(p.relative_to(root)): p
        for p in root.rglob("*")
        if p.suffix in COMPARED and p.relative_to(root).parts[0] not in ("logs", "benchmarks")
    }


def _drop_timing(value, also=()):
    if isinstance(value, dict):
        return {
            k: _drop_timing(v, also)
            for k, v in value.items()
            if not TIMING.search(k) and k not in also
        }
    if isinstance(value, list):
        return [_drop_timing(v, also) for v in value]
    return value


def same_array(u: np.ndarray, v: np.ndarray) -> bool:
    """Bit-identical arrays: same dtype, shape and bytes."""
    return u.dtype == v.dtype and u.shape == v.shape and u.tobytes() == v.tobytes()


def same_content(a: Path, b: Path) -> bool:
    if a.name.endswith(".prov.json"):
        # A provenance side file describes its output by size and hash too: those differ where
        # the output holds timings (compared without them on their own).
        out_a, out_b = (p.with_name(p.name.removesuffix(".prov.json")) for p in (a, b))
        differ = out_a.is_file() and out_a.read_bytes() != out_b.read_bytes()
        also = ("sha256", "bytes") if differ else ()
        return _drop_timing(json.loads(a.read_text()), also) == _drop_timing(
            json.loads(b.read_text()), also
        )
    if a.suffix == ".json":
        return _drop_timing(json.loads(a.read_text())) == _drop_timing(json.loads(b.read_text()))
    if a.suffix == ".csv":
        rows = [list(csv.DictReader(io.StringIO(p.read_text()))) for p in (a, b)]
        return [_drop_timing(r) for r in rows[0]] == [_drop_timing(r) for r in rows[1]]
    if a.suffix == ".npz":
        # Arrays compared by dtype, shape and bytes (a NaN equals itself; the zip entries'
        # timestamps, which differ between runs, are not compared).
        with np.load(a) as x, np.load(b) as y:
            keys = [k for k in x if not TIMING.search(k)]
            return sorted(x) == sorted(y) and all(same_array(x[k], y[k]) for k in keys)
    return a.read_bytes() == b.read_bytes()


def assert_same_outputs(reference: Path, workdir: Path, subset: bool = False):
    ref, got = outputs(reference), outputs(workdir)
    assert got, "the SLURM run produced nothing to compare"
    if subset:
        ref = {k: v for k, v in ref.items() if k in got}
    assert sorted(got) == sorted(ref)
    differ = [k for k in sorted(ref) if not same_content(ref[k], got[k])]
    assert not differ, f"outputs differ from the local run: {differ}"


# --- tests -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The tiny config run locally (same threads), to compare the SLURM runs with."""
    workdir = copy_workflow(tmp_path_factory.mktemp("local"))
    local_snakemake(workdir)
    return workdir


def _report(capsys, text: str):
    with capsys.disabled():
        print(f"\n[slurm] {text}")


def test_tiny_workflow_on_slurm_with_accounting(reference, tmp_path, capsys):
    """sacct path: every non-local job is a completed SLURM job; outputs equal the local run's."""
    workdir = copy_workflow(tmp_path)
    planned = planned_comments(workdir)
    with slurm_cluster(accounting=True) as env:
        overlay = overlay_profile(workdir, env, accounting=True)
        t0 = time.monotonic()
        log = run_on_slurm(workdir, env, overlay, timeout=1500)
        wall = time.monotonic() - t0
        jobs = check_jobs_ran_on_slurm(workdir, env, log, planned, accounting=True)
        # The profile's per-rule requests reach SLURM (sacct's view of each allocation).
        user = yaml.safe_load((workdir / "profiles" / "slurm" / "config.yaml").read_text())
        rules = rule_names(workdir)
        overlay_res = yaml.safe_load((workdir / overlay / "config.yaml").read_text())
        for job in jobs:
            rule = comment_rule(job["Comment"], rules)
            want = overlay_res["set-resources"][rule]
            assert job["Timelimit"] == timelimit(user["set-resources"][rule]["runtime"]), job
            assert job["ReqMem"] == f"{want['mem_mb']}M", job
            assert job["AllocCPUS"] == "1", job
            assert job["Account"] == ACCOUNT, job
            assert ("gres/gpu=1" in job["AllocTRES"]) == bool(want.get("gpu")), job
        assert any("gres/gpu=1" in j["AllocTRES"] for j in jobs), "no GPU job submitted"
    n_local = sum(n for c, n in planned.items() if rules[comment_rule(c, rules)])
    _report(
        capsys,
        f"accounting (sacct): {len(jobs)} SLURM jobs + {n_local} local jobs, "
        f"snakemake wall time {wall:.0f} s",
    )
    pdf = workdir / "results" / tiny_config()["dataset"]["name"] / "paper" / "paper.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert_same_outputs(reference, workdir)


def test_workflow_part_on_slurm_without_accounting(reference, tmp_path, capsys):
    """squeue path (no slurmdbd): the run ends, jobs ran on SLURM, outputs equal the local run's.

    This is the setting README tells users of such clusters to pass; with the plugin's default
    (sacct) the run would wait forever.
    """
    workdir = copy_workflow(tmp_path)
    ds = tiny_config()["dataset"]["name"]
    targets = [
        f"results/{ds}/classify/cqt/g2/grouped/summary.json",
        f"results/{ds}/sae/splits.json",
    ]
    planned = planned_comments(workdir, *targets)
    with slurm_cluster(accounting=False) as env:
        overlay = overlay_profile(workdir, env, accounting=False)
        t0 = time.monotonic()
        log = run_on_slurm(
            workdir, env, overlay, "--slurm-status-command", "squeue", *targets, timeout=600
        )
        wall = time.monotonic() - t0
        jobs = check_jobs_ran_on_slurm(workdir, env, log, planned, accounting=False)
    _report(capsys, f"no accounting (squeue): {len(jobs)} SLURM jobs, wall time {wall:.0f} s")
    assert_same_outputs(reference, workdir, subset=True)
