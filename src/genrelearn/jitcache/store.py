"""The numba cache store: private folders, whole generations, warm-up (see the package)."""

from __future__ import annotations

import atexit
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from genrelearn.jitcache import ENV_STORE, enabled, install_import_hook

#: Process id that owns the ``NUMBA_CACHE_DIR`` in the environment (set by :func:`isolate`).
ENV_OWNER = "GENRELEARN_NUMBA_OWNER"
#: Generation folders of the store: ``<store>/generations/g-<time ns>-<pid>``.
GENERATIONS = "generations"
#: Private folders older than this whose process is gone are removed (seconds).
STALE_SECONDS = 3600.0

_state: dict[str, Any] = {"pid": None, "dir": None, "base": None, "files": None}


def store_root() -> Path:
    """Folder of the shared store (see the module docstring for the order of choices)."""
    env = os.environ.get(ENV_STORE, "").strip()
    if env:
        return Path(env).expanduser()
    user = os.environ.get("NUMBA_CACHE_DIR", "").strip()
    if user and ENV_OWNER not in os.environ:
        return Path(user).expanduser() / "genrelearn"
    if sys.prefix != sys.base_prefix:
        venv = Path(sys.prefix) / "var" / "cache" / "genrelearn-numba"
        if _writable_dir(venv):
            return venv
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "genrelearn" / "numba"


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def generations(root: Path | None = None) -> list[Path]:
    """Published generations of the store, oldest first."""
    folder = (root or store_root()) / GENERATIONS
    try:
        names = sorted(p for p in os.listdir(folder) if p.startswith("g-"))
    except OSError:
        return []
    return [folder / n for n in names]


def newest_generation(root: Path | None = None) -> Path | None:
    """The generation a new process starts from, or ``None`` for a cold store."""
    gens = generations(root)
    return gens[-1] if gens else None


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            out[os.path.relpath(path, folder)] = (st.st_size, st.st_mtime_ns)
    return out


@contextmanager
def _store_lock(root: Path, blocking: bool = True) -> Iterator[bool]:
    """Exclusive lock on the store; yields whether it was acquired (always, when blocking)."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _publish_locked(root: Path, source: Path, marker: str | None = None) -> Path:
    """Copy ``source`` into the store as its newest generation (the caller holds the lock)."""
    import shutil
    import time

    gens = root / GENERATIONS
    gens.mkdir(parents=True, exist_ok=True)
    name = f"g-{time.time_ns():020d}-{os.getpid()}"
    tmp = gens / f".tmp-{name}"
    shutil.copytree(source, tmp, dirs_exist_ok=True)
    if marker:
        (tmp / marker).write_text("compiled by python -m genrelearn.jitcache warm\n")
    os.rename(tmp, gens / name)
    # Older generations are no longer read by new processes; one being copied right now makes
    # that copy fail, and its process then starts from an empty folder (slower, still correct).
    for old in generations(root)[:-1]:
        shutil.rmtree(old, ignore_errors=True)
    return gens / name


def _remove_stale_private_folders(tmpdir: str) -> None:
    import glob
    import shutil
    import time

    now = time.time()
    for path in glob.glob(os.path.join(tmpdir, "genrelearn-numba-*-*")):
        try:
            pid = int(os.path.basename(path).split("-")[2])
            if now - os.stat(path).st_mtime < STALE_SECONDS or _alive(pid):
                continue
        except (ValueError, IndexError, OSError):
            continue
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def isolate() -> Path | None:
    """Give this process its own ``NUMBA_CACHE_DIR``, seeded from the shared store.

    Meant to run before numba is imported (the import hook of :func:`install_import_hook`
    calls it at that moment). Later, it still redirects functions that numba compiles from
    then on, and warns that librosa's, if already imported, keep their folder. Idempotent
    within a process.

    Returns
    -------
    pathlib.Path or None
        The private folder, or ``None`` when the mechanism is off.
    """
    if not enabled():
        return None
    pid = os.getpid()
    if _state["pid"] == pid:
        return _state["dir"]
    import shutil
    import tempfile

    root = store_root()
    tmpdir = tempfile.gettempdir()
    _remove_stale_private_folders(tmpdir)
    private = Path(tempfile.mkdtemp(prefix=f"genrelearn-numba-{pid}-", dir=tmpdir))
    base = newest_generation(root)
    if base is not None:
        try:
            shutil.copytree(base, private, dirs_exist_ok=True)
        except OSError:  # a newer generation replaced it mid-copy: start cold instead
            shutil.rmtree(private, ignore_errors=True)
            private.mkdir()
            base = None
    _state.update(pid=pid, dir=private, base=base, files=_listing(private), root=root)
    os.environ["NUMBA_CACHE_DIR"] = str(private)
    os.environ[ENV_OWNER] = str(pid)
    os.environ[ENV_STORE] = str(root)
    atexit.register(_finish)
    if "numba" in sys.modules:
        _redirect_loaded_numba()
    return private


def _redirect_loaded_numba() -> None:
    """Point an already imported numba at the private folder, and warn if that is too late."""
    try:
        from numba.core import config
    except ImportError:
        return
    config.reload_config()  # numba re-reads NUMBA_CACHE_DIR from the environment
    early = sorted(m for m in sys.modules if m == "librosa" or m.startswith("librosa."))
    if early:
        warnings.warn(
            "librosa was imported before genrelearn: its numba functions keep the cache folder "
            "they were given then, which other processes may write at the same time, and a "
            "folder written that way can crash every later process (numba bug numba/numba#10128). "
            "Import genrelearn first, or run `make install`, which makes every Python of the "
            "venv do so.",
            RuntimeWarning,
            stacklevel=3,
        )


def _finish() -> None:
    """At exit: publish the private folder if it holds new entries, then remove it."""
    import shutil

    if _state["pid"] != os.getpid():  # a forked child that inherited the handler
        return
    private: Path = _state["dir"]
    try:
        if _listing(private) != _state["files"]:
            root: Path = _state["root"]
            with _store_lock(root, blocking=False) as locked:
                if locked and newest_generation(root) == _state["base"]:
                    _publish_locked(root, private)
    except OSError:
        pass  # an unwritable store costs later processes a compile, nothing else
    finally:
        shutil.rmtree(private, ignore_errors=True)
        _state.update(pid=None, dir=None)


def _no_save(self: Any, sig: Any, data: Any) -> None:
    """Stand-in for numba's ``Cache.save_overload`` in forked children."""


def after_fork_in_child() -> None:
    """Called in a forked child (registered by :func:`genrelearn.jitcache.install_import_hook`)."""
    if _state["pid"] is None:
        return
    if "numba" in sys.modules:
        # numba's dispatchers already point at the parent's folder: never write to it.
        try:
            from numba.core import caching
        except ImportError:  # numba half-imported when the fork happened
            return

        caching.Cache.save_overload = _no_save  # type: ignore[method-assign]
    else:
        _state.update(pid=None, dir=None)
        install_import_hook()


def cpu_key() -> str:
    """Short name of the CPU that numba compiles for (``NUMBA_CPU_NAME`` / features honoured)."""
    import hashlib
    from importlib.metadata import version

    try:
        import llvmlite.binding as llvm
    except ImportError:  # no numba in this environment: nothing is compiled
        return "no-numba"
    name = os.environ.get("NUMBA_CPU_NAME") or llvm.get_host_cpu_name()
    features = os.environ.get("NUMBA_CPU_FEATURES")
    if features is None:
        features = "" if "NUMBA_CPU_NAME" in os.environ else llvm.get_host_cpu_features().flatten()
    tag = f"{name}|{features}|numba {version('numba')}|{sys.implementation.cache_tag}"
    return f"{name}-{hashlib.sha1(tag.encode()).hexdigest()[:12]}"


def _warm_marker() -> str:
    return f"warm-{cpu_key()}"


def is_warm(root: Path | None = None) -> bool:
    """Whether the newest generation was compiled by :func:`warm` for this CPU."""
    gen = newest_generation(root)
    return gen is not None and (gen / _warm_marker()).exists()


def warm(force: bool = False) -> Path:
    """Compile the feature paths once, alone, and publish them as the store's newest generation.

    The compilation runs in a fresh interpreter whose ``NUMBA_CACHE_DIR`` is a temporary
    folder of the store, seeded from the newest generation, while this process holds the
    store's lock; other workflow runs wait for it, then find the store warm.

    Parameters
    ----------
    force : bool
        Compile even if the newest generation is already warm for this CPU.

    Returns
    -------
    pathlib.Path
        The newest generation.
    """
    import shutil
    import subprocess
    import tempfile

    root = store_root()
    with _store_lock(root):
        if not force and is_warm(root):
            return newest_generation(root)  # type: ignore[return-value]
        print(
            f"genrelearn: compiling librosa's numba functions once for this CPU ({cpu_key()}) "
            f"into {root} (about half a minute)",
            file=sys.stderr,
            flush=True,
        )
        work = Path(tempfile.mkdtemp(prefix=".warm-", dir=root))
        try:
            base = newest_generation(root)
            if base is not None:
                shutil.copytree(base, work, dirs_exist_ok=True)
            env = {**os.environ, "NUMBA_CACHE_DIR": str(work), ENV_STORE: "off"}
            env.pop(ENV_OWNER, None)
            code = "from genrelearn.jitcache.warmup import compile_feature_paths as c; c()"
            done = subprocess.run([sys.executable, "-c", code], env=env, check=False)
            if done.returncode != 0:
                raise RuntimeError(
                    f"compiling librosa's numba functions failed (exit {done.returncode}); "
                    "the shared cache was left as it was. Run `python -m genrelearn.jitcache "
                    "warm` by hand to see the error."
                )
            return _publish_locked(root, work, marker=_warm_marker())
        finally:
            shutil.rmtree(work, ignore_errors=True)


def clear() -> Path:
    """Delete every generation of the store (under its lock); returns the store's folder."""
    import shutil

    root = store_root()
    with _store_lock(root):
        shutil.rmtree(root / GENERATIONS, ignore_errors=True)
    return root


def install_pth(site_dir: str | Path | None = None) -> Path:
    """Write ``genrelearn-jitcache.pth`` so that every Python of this environment isolates.

    Parameters
    ----------
    site_dir : str or Path, optional
        The site-packages folder; default: this interpreter's ``purelib``.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    import sysconfig

    folder = Path(site_dir or sysconfig.get_paths()["purelib"])
    path = folder / "genrelearn-jitcache.pth"
    line = (
        "import sys; exec('try:\\n import genrelearn.jitcache as m\\n m.install_import_hook()"
        "\\nexcept Exception:\\n pass')\n"
    )
    tmp = path.with_suffix(".pth.tmp")
    tmp.write_text(line)
    os.replace(tmp, path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m genrelearn.jitcache {warm,info,clear,install-pth}``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m genrelearn.jitcache", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("warm", help="compile the feature paths once and publish them")
    w.add_argument("--force", action="store_true", help="compile even if already warm")
    sub.add_parser("info", help="print the store, its generations and whether it is warm")
    sub.add_parser("clear", help="delete every generation of the store")
    sub.add_parser("install-pth", help="make every Python of this environment isolate")
    args = parser.parse_args(argv)
    if args.command == "warm":
        print(f"numba cache warm for {cpu_key()}: {warm(force=args.force)}")
    elif args.command == "info":
        root = store_root()
        print(f"store: {root}\nenabled: {enabled()}\ncpu: {cpu_key()}\nwarm: {is_warm(root)}")
        for gen in generations(root):
            print(f"generation: {gen.name}")
    elif args.command == "clear":
        print(f"cleared {clear()}")
    else:
        print(f"wrote {install_pth()}")
    return 0
