"""Provenance side files: how each result file of a compute step was made.

A compute step runs inside :func:`recorded`; when it succeeds, every output ``X`` gets a JSON
side file ``X.prov.json`` (next to it; for a folder output, next to the folder) with

* the step: ``rule``, ``wildcards``, ``params`` (exactly what the step received), ``threads``
  and the list of all its ``outputs``;
* the file: ``sha256`` and ``bytes`` (for a folder, over its sorted file listing and contents,
  hidden files left out, with the number of ``files``);
* the code: ``git`` commit of the workflow's repository and whether the tree was ``dirty``
  (``"unknown"`` outside a git checkout);
* the software: ``python``, ``platform`` and the versions of the distributions the step had
  imported when it finished (``packages``);
* the machine: ``host``, ``device`` (CPU model and count; the torch device when the step used
  torch);
* the time: ``started``, ``finished`` (UTC, ISO 8601) and ``wall_seconds``.

Side files are written atomically after the outputs, and the stale ones of a previous run are
removed when the step starts, so a side file always describes the file beside it (its
``sha256`` says so). They hold times and host names, so they differ between two runs that give
identical results: compare results, not side files.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from genrelearn.io import write_json

SUFFIX = ".prov.json"
UNKNOWN = "unknown"


def side_file(path: str | Path) -> Path:
    """The provenance side file of a result file or folder: ``<path>.prov.json``."""
    return Path(str(path).rstrip("/") + SUFFIX)


def _sha256_file(path: Path, h: Any | None = None) -> Any:
    h = h if h is not None else hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h


def file_digest(path: str | Path) -> dict[str, Any]:
    """SHA-256 and size of a file, or of a folder's files (names and contents, sorted).

    Hidden files of a folder (names starting with a dot, such as the ``.snakemake_timestamp``
    that Snakemake adds to folder outputs after the job, or a writer's temporary file) are not
    part of the result and are left out.

    Parameters
    ----------
    path : str or Path
        A file or a folder.

    Returns
    -------
    dict
        ``{"sha256", "bytes"}``, plus ``"files"`` (their number) for a folder.
    """
    path = Path(path)
    if not path.is_dir():
        return {"sha256": _sha256_file(path).hexdigest(), "bytes": path.stat().st_size}
    h = hashlib.sha256()
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    for p in files:
        h.update(p.relative_to(path).as_posix().encode() + b"\0")
        h.update(_sha256_file(p).digest())
    return {
        "sha256": h.hexdigest(),
        "bytes": sum(p.stat().st_size for p in files),
        "files": len(files),
    }


def git_state(path: str | Path) -> dict[str, Any]:
    """Commit of the git checkout that holds ``path`` and whether its tree is dirty.

    Parameters
    ----------
    path : str or Path
        Any folder inside the checkout (the workflow's root).

    Returns
    -------
    dict
        ``{"commit": sha, "dirty": bool}``; both ``"unknown"`` when ``path`` is not in a git
        checkout or git is missing. Untracked files that git does not ignore count as dirty.
    """

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(path), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain").strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": UNKNOWN, "dirty": UNKNOWN}
    return {"commit": commit, "dirty": dirty}


def package_versions(modules: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Versions of the installed distributions that provide the imported modules.

    Parameters
    ----------
    modules : mapping, optional
        Imported modules by name; by default :data:`sys.modules` (what the step has imported).

    Returns
    -------
    dict
        Distribution name to version, sorted by name; the standard library is not listed.
    """
    modules = sys.modules if modules is None else modules
    top = {name.split(".")[0] for name in list(modules)}
    owners = importlib.metadata.packages_distributions()
    versions = {}
    for name in top:
        for dist in owners.get(name, ()):
            try:
                versions[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                continue
    return dict(sorted(versions.items(), key=lambda kv: kv[0].lower()))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or UNKNOWN


def device_info() -> dict[str, Any]:
    """The machine a step ran on: CPU model and count, and torch's device if torch is loaded.

    Returns
    -------
    dict
        ``{"cpu", "cpus"}`` and, when the step imported torch, ``"torch"``: ``"cpu"`` or
        ``"cuda (<device name>)"`` (what ``device="auto"`` resolves to).
    """
    info: dict[str, Any] = {"cpu": _cpu_model(), "cpus": os.cpu_count()}
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            cuda = bool(torch.cuda.is_available())
            info["torch"] = f"cuda ({torch.cuda.get_device_name(0)})" if cuda else "cpu"
        except Exception:  # a broken CUDA set-up must not fail the step after its work
            info["torch"] = UNKNOWN
    return info


def plain(obj: Any) -> Any:
    """``obj`` as JSON-compatible data (mappings, sequences, numbers, strings, None).

    Snakemake's named lists become dicts of their named items when they have names (lists
    otherwise), numpy values become Python numbers, and anything else its ``str``.
    """
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if hasattr(obj, "_names") and hasattr(obj, "items") and getattr(obj, "_names", None):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = sorted(obj, key=str) if isinstance(obj, set | frozenset) else obj
        return [plain(v) for v in items]
    if hasattr(obj, "tolist"):
        return plain(obj.tolist())
    return str(obj)


def job_record(
    rule: str,
    wildcards: Mapping[str, Any],
    params: Mapping[str, Any],
    outputs: list[str],
    threads: int,
    repo: str | Path,
) -> dict[str, Any]:
    """What every side file of a step shares (without times).

    Parameters
    ----------
    rule : str
        Name of the rule.
    wildcards, params : mapping
        The job's wildcards and parameters, by name.
    outputs : list of str
        All output files of the job.
    threads : int
        Threads the job was given.
    repo : str or Path
        Root of the workflow (for its git state).

    Returns
    -------
    dict
        The step, code, software and machine parts of the record.
    """
    return {
        "rule": rule,
        "wildcards": plain(dict(wildcards)),
        "params": plain(dict(params)),
        "threads": int(threads),
        "outputs": [str(o) for o in outputs],
        "git": git_state(repo),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "host": socket.gethostname(),
    }


@contextmanager
def recorded(job: Any, repo: str | Path | None = None) -> Iterator[None]:
    """Time a step and, once it succeeded, write a side file for each of its outputs.

    Parameters
    ----------
    job : object
        The ``snakemake`` object of a rule script, or anything with its attributes ``rule``,
        ``wildcards``, ``params`` and ``output`` (named lists or mappings and a list) and
        ``threads``; ``scriptdir`` locates the workflow when ``repo`` is not given.
    repo : str or Path, optional
        Root of the workflow's checkout; by default the parent of ``job.scriptdir``, else
        the working directory.

    Notes
    -----
    The stale side files of the outputs are removed on entry; if the step raises, none are
    written.
    """
    outputs = [str(o) for o in job.output]
    for out in outputs:
        side_file(out).unlink(missing_ok=True)
    if repo is None:
        scriptdir = getattr(job, "scriptdir", None)
        repo = Path(scriptdir).parent if scriptdir else Path.cwd()
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    yield
    wall = time.perf_counter() - t0
    params = job.params.items() if hasattr(job.params, "items") else {}
    wildcards = job.wildcards.items() if hasattr(job.wildcards, "items") else {}
    record = job_record(job.rule, dict(wildcards), dict(params), outputs, job.threads, repo)
    record.update(
        packages=package_versions(),
        device=device_info(),
        started=started.isoformat(timespec="seconds"),
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
        wall_seconds=round(wall, 3),
    )
    for out in outputs:
        write_json(side_file(out), {"file": out, **file_digest(out), **record})
