"""Process pools whose dead workers are reported with the item, the signal and what to do.

A worker killed by a signal (a segfault in compiled code, the kernel's out-of-memory killer)
makes :class:`concurrent.futures.ProcessPoolExecutor` raise a bare ``BrokenProcessPool`` that
says neither which input it was working on nor why it died. :func:`map_in_processes` keeps
track of the item each worker holds and turns that into a :class:`WorkerCrashError`; workers
also dump the Python stack of a fatal signal to their stderr (the job's log) with
:mod:`faulthandler`.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

ADVICE = (
    "What to do: rerun the job; if the same {what} crashes again, check that file and run the "
    "step on one core (snakemake --cores 1, or n_jobs=1) to see the Python stack in its log. "
    "A crash inside numba-compiled code (librosa) can come from a corrupt compiled-function "
    "cache: `python -m genrelearn.jitcache clear` removes the shared one. A worker killed by "
    "SIGKILL was most likely out of memory: give the job more memory or fewer cores."
)


class WorkerCrashError(RuntimeError):
    """A pool worker died (by a signal or a non-zero exit) while computing an item.

    Attributes
    ----------
    item : str
        Description of the item the worker was computing, or ``"unknown"``.
    signal_name : str
        ``SIGSEGV``, ``SIGKILL``, ... or ``exit code N``.
    """

    def __init__(self, message: str, item: str, signal_name: str) -> None:
        super().__init__(message)
        self.item = item
        self.signal_name = signal_name


def describe_exit(exitcode: int | None) -> str:
    """``SIGSEGV`` for -11, ``exit code 3`` for 3, ``unknown`` for ``None``."""
    if exitcode is None:
        return "unknown"
    if exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"


def _start_worker() -> None:
    """Dump the Python stack on a fatal signal to stderr: the job's log, in a workflow job."""
    try:
        faulthandler.enable(file=sys.stderr)
    except (AttributeError, ValueError, OSError):  # stderr without a file descriptor
        faulthandler.enable(file=sys.__stderr__)


def _tracked(fn: Callable[[T], R], markers: str, index: int, item: T) -> R:
    marker = os.path.join(markers, str(os.getpid()))
    with open(marker, "w") as fh:
        fh.write(str(index))
    result = fn(item)
    os.remove(marker)
    return result


def map_in_processes(
    fn: Callable[[T], R],
    items: Iterable[T],
    n_jobs: int,
    describe: Callable[[T], str] = str,
    what: str = "item",
) -> Iterator[R]:
    """``map(fn, items)`` over ``n_jobs`` worker processes, results in input order.

    Parameters
    ----------
    fn : callable
        Picklable function of one item.
    items : iterable
        Inputs.
    n_jobs : int
        Worker processes (>= 1; 1 runs in this process).
    describe : callable
        Text that names an item in an error message (e.g. its file path).
    what : str
        What an item is, for the message (``"clip"``).

    Returns
    -------
    iterator
        ``fn(item)`` for each item, in order. The workers start (and every item is
        submitted) before this function returns.

    Raises
    ------
    TypeError
        If ``fn`` cannot be pickled (a lambda or local function), before any worker starts.
    WorkerCrashError
        While iterating, if a worker dies; the message names the item it held, the signal
        and what to do.
    """
    items = list(items)
    if n_jobs <= 1:
        return (fn(item) for item in items)
    try:
        pickle.dumps(fn)
    except (pickle.PicklingError, AttributeError, TypeError) as err:
        raise TypeError(f"{fn!r} cannot be sent to worker processes: {err}") from err
    # Workers start here, at submission, before the caller starts threads (progress bars):
    # forking a process that runs threads can deadlock its children.
    markers = tempfile.mkdtemp(prefix="genrelearn-pool-")
    pool = ProcessPoolExecutor(max_workers=n_jobs, initializer=_start_worker)
    futures = [pool.submit(_tracked, fn, markers, i, item) for i, item in enumerate(items)]
    processes = dict(getattr(pool, "_processes", None) or {})
    return _results(pool, futures, processes, Path(markers), items, describe, what)


def _results(
    pool: ProcessPoolExecutor,
    futures: list[Future[R]],
    processes: dict[int, Any],
    markers: Path,
    items: list[Any],
    describe: Callable[[Any], str],
    what: str,
) -> Iterator[R]:
    try:
        for fut in futures:
            processes.update(getattr(pool, "_processes", None) or {})
            try:
                result = fut.result()
            except BrokenProcessPool as err:
                processes.update(getattr(pool, "_processes", None) or {})
                pool.shutdown(wait=True, cancel_futures=True)  # every worker reaped: exit codes
                raise _crash_error(processes, markers, items, describe, what) from err
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(markers, ignore_errors=True)


def _crash_error(
    processes: dict[int, Any],
    markers: Path,
    items: list[Any],
    describe: Callable[[Any], str],
    what: str,
) -> WorkerCrashError:
    """Build the error for the worker that died first: not the ones the pool then terminated."""
    held: dict[int, int] = {}
    for marker in markers.iterdir():
        try:
            held[int(marker.name)] = int(marker.read_text())
        except ValueError:
            continue
    dead: list[tuple[int, int | None]] = []
    for pid, proc in processes.items():
        if getattr(proc, "exitcode", 0) is None:
            proc.join(timeout=5)
        code = getattr(proc, "exitcode", None)
        if code not in (0, -signal.SIGTERM):
            dead.append((pid, code))
    dead.sort(key=lambda pc: (pc[0] not in held, pc[1] is None))
    pid, code = dead[0] if dead else (None, None)
    index = held.get(pid) if pid is not None else None
    if index is None and len(held) == 1:
        index = next(iter(held.values()))
    item = describe(items[index]) if index is not None else "unknown"
    sig = describe_exit(code)
    who = f"worker process {pid}" if pid is not None else "a worker process"
    message = (
        f"{who} died ({sig}) while computing {what} {item}. "
        + ADVICE.format(what=what)
        + " The worker's stack, if it could write one, is in this job's log."
    )
    return WorkerCrashError(message, item, sig)


@contextmanager
def explain_worker_death(work: str) -> Iterator[None]:
    """Turn joblib's ``TerminatedWorkerError`` into a :class:`WorkerCrashError` naming ``work``.

    joblib's message already gives the workers' exit signals; this adds what the pool was
    computing and what to do.
    """
    try:
        yield
    except Exception as err:
        if type(err).__name__ != "TerminatedWorkerError":
            raise
        codes = re.search(r"exit codes of the workers are \{([^}]*)\}", str(err))
        raise WorkerCrashError(
            f"a worker process died while computing {work}: {err} " + ADVICE.format(what="input"),
            work,
            codes.group(1) if codes else "unknown",
        ) from err
