"""Numba caches no two processes write at once: a private folder each, a store written whole.

librosa compiles its numba functions with ``cache=True``. numba 0.68 saves a gufunc as two cache
files, its kernel and its wrapper, and the wrapper calls the kernel by a symbol name that depends
on the order in which that process compiled things. When several processes compile the same
gufunc on a cold cache, the two files can end up written by different processes; every later
process that loads the pair then calls a null pointer and dies (numba bug numba/numba#10128,
not fixed in a released numba). A workflow starts exactly such processes: parallel jobs, each
with a process pool.

So no cache folder that numba writes is ever shared:

* **Private folder.** Each process gets its own ``NUMBA_CACHE_DIR`` in the temporary folder,
  seeded with a copy of the newest *generation* of the shared store, and removed at exit. The
  switch happens when numba is first imported (an import hook that ``import genrelearn``
  installs, and that ``make install`` also installs for every Python of the venv through a
  ``.pth`` file), before numba reads its configuration.
* **Shared store, written whole.** A generation is a complete cache folder that one process
  wrote alone; it is copied into the store under a temporary name and renamed into place (an
  atomic step), under a lock, and never modified afterwards. A process that compiled something new
  publishes its private folder as the next generation at exit, if no other process published one
  since it started (otherwise its additions are dropped: they are rebuilt and published later).
  ``python -m genrelearn.jitcache warm`` (run by ``make install`` and before every workflow run)
  compiles every numba path of the feature extractors once, serially, for this CPU.
* **Forked children.** A child forked after numba was imported shares its parent's folder
  through numba's in-memory state: it may load from it but never saves to it.

The store is ``$GENRELEARN_NUMBA_CACHE`` if set, else the folder named by a ``NUMBA_CACHE_DIR``
that the user set (it holds our generations in a subfolder), else ``<venv>/var/cache/
genrelearn-numba`` when Python runs from a writable virtual environment, else
``~/.cache/genrelearn/numba``. numba checks each entry against the source file and the CPU
before it uses it, so one store serves several CPUs (cluster nodes) and library upgrades safely.
``GENRELEARN_NUMBA_CACHE=off`` turns the mechanism off (numba then uses its own default folders).
"""

from __future__ import annotations

import os
import sys

#: Root of the shared store (a path), or ``off``.
ENV_STORE = "GENRELEARN_NUMBA_CACHE"

#: What :mod:`genrelearn.jitcache.store` provides, reachable as attributes of this package.
_STORE_API = {
    "ENV_OWNER",
    "GENERATIONS",
    "clear",
    "cpu_key",
    "generations",
    "install_pth",
    "is_warm",
    "isolate",
    "main",
    "newest_generation",
    "store_root",
    "warm",
}


def __getattr__(name: str) -> object:
    # The store's code (pathlib, tempfile, shutil, ...) is loaded only when used: this package
    # is imported at the start of every Python of the venv (the .pth file).
    if name in _STORE_API or name == "_state":
        from genrelearn.jitcache import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def enabled() -> bool:
    """Whether private caches are in force (``GENRELEARN_NUMBA_CACHE`` is not ``off``)."""
    return os.environ.get(ENV_STORE, "").strip().lower() not in {"off", "0", "false", "no"}


class _IsolateBeforeNumba:
    """Meta-path finder that isolates this process when ``numba`` is about to be imported."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == "numba":
            _remove_hook()
            from genrelearn.jitcache import store

            store.isolate()
        return None


def _remove_hook() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _IsolateBeforeNumba)]


def _after_fork() -> None:
    store = sys.modules.get("genrelearn.jitcache.store")
    if store is not None:
        store.after_fork_in_child()


_fork_hook_registered = False


def install_import_hook() -> None:
    """Make the first ``import numba`` of this process call :func:`isolate` first."""
    global _fork_hook_registered
    if not enabled():
        return
    if not _fork_hook_registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork)
        _fork_hook_registered = True
    if "numba" in sys.modules:
        from genrelearn.jitcache import store

        store.isolate()
        return
    if not any(isinstance(f, _IsolateBeforeNumba) for f in sys.meta_path):
        sys.meta_path.insert(0, _IsolateBeforeNumba())
