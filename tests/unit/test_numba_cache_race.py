"""Several processes compiling librosa's numba functions at once, on a cold cache.

This is what a workflow run does on a fresh install: parallel jobs, each with a process pool,
reach librosa's gufuncs (``util.localmax`` through ``estimate_tuning``/``piptrack``, used by
chroma and the CQT's tuning) at the same moment. With one cache folder shared by all of them,
numba 0.68 can save a gufunc's kernel and wrapper from two different processes, and every process
that loads that pair later crashes (numba bug numba/numba#10128). The processes here share a cold
``NUMBA_CACHE_DIR``, start their calls 0.3 s apart, in two orders (as different jobs do), and
a second round loads whatever the first one left.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.numba_cache

PROBE = r"""
import json, sys, time
start, order = float(sys.argv[1]), int(sys.argv[2])
import numpy as np
import genrelearn  # the project is imported first, as in every job of the workflow
import librosa
while time.time() < start:
    time.sleep(0.002)
rng = np.random.default_rng(0)
x = rng.random((64, 32))
y = (0.1 * rng.standard_normal(22050)).astype(np.float32)
calls = {
    "localmax32": lambda: int(librosa.util.localmax(x.astype(np.float32), axis=0).sum()),
    "localmax64": lambda: int(librosa.util.localmax(x, axis=0).sum()),
    "tuning": lambda: float(librosa.estimate_tuning(y=y, sr=22050)),
}
names = list(calls) if order % 2 == 0 else list(calls)[::-1]
print(json.dumps({name: calls[name]() for name in names}, sort_keys=True))
"""

N_PROCESSES = 4


def _round(
    tmp_path: Path, env: dict[str, str], start_in: float, stagger: float = 0.0
) -> list[subprocess.Popen]:
    start = time.time() + start_in
    return [
        subprocess.Popen(
            [sys.executable, "-c", PROBE, str(start + i * stagger), str(i)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(N_PROCESSES)
    ]


def _finish(procs: list[subprocess.Popen], label: str) -> list[dict]:
    results, failures = [], []
    for p in procs:
        out, err = p.communicate(timeout=600)
        if p.returncode != 0:
            how = signal.Signals(-p.returncode).name if p.returncode < 0 else f"exit {p.returncode}"
            failures.append(f"{label}: process {p.pid} died ({how}): {err[-800:]}")
        else:
            results.append(json.loads(out.strip().splitlines()[-1]))
    assert not failures, "\n".join(failures)
    return results


def test_cold_shared_cache_and_concurrent_processes_never_crash(tmp_path):
    shared = tmp_path / "shared"  # one cold cache folder for every process, as a venv has
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENRELEARN_NUMBA", "NUMBA_"))}
    env.update(NUMBA_CACHE_DIR=str(shared), TMPDIR=str(tmpdir), PYTHONUNBUFFERED="1")
    # Staggered starts: a process that begins while another is saving finds some functions
    # cached and compiles others, so the two number their symbols differently.
    first = _finish(_round(tmp_path, env, start_in=3.0, stagger=0.3), "cold round")
    second = _finish(_round(tmp_path, env, start_in=0.5), "round loading the cache")
    assert all(r == first[0] for r in first + second)
    # numba itself never wrote into the shared folder: only whole generations, renamed into
    # place, and the store's lock file are there.
    for path in shared.rglob("*"):
        rel = path.relative_to(shared).parts
        assert (
            rel[:2] == ("genrelearn", "generations")
            or rel == ("genrelearn",)
            or rel
            == (
                "genrelearn",
                ".lock",
            )
        ), f"written outside a published generation: {path}"
        if len(rel) >= 3:
            assert rel[2].startswith("g-"), f"unpublished folder left in the store: {path}"
    # Each process removed its private folder at exit.
    assert not list(tmpdir.glob("genrelearn-numba-*"))
