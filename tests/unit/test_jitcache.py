"""The numba cache arrangement: private folders, whole generations, forks, the .pth hook."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from genrelearn import jitcache


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENRELEARN_NUMBA", "NUMBA_"))}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(GENRELEARN_NUMBA_CACHE=str(tmp_path / "store"), TMPDIR=str(tmp_path / "tmp"))
    env.update(extra)
    return env


def _python(code: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


# A process that "compiles" writes a file into its private folder, as numba would.
COMPILE = """
import os, sys
from pathlib import Path
from genrelearn import jitcache
private = jitcache.isolate()
assert os.environ["NUMBA_CACHE_DIR"] == str(private)
print(sorted(p.name for p in private.iterdir()))
for name in sys.argv[1:]:
    (private / name).write_text(name)
"""


def test_each_process_gets_a_private_copy_of_the_newest_generation(tmp_path):
    env = _env(tmp_path)
    assert _python(COMPILE, env, "a.nbc") == "[]"  # cold store: an empty private folder
    gens = jitcache.generations(tmp_path / "store")
    assert len(gens) == 1 and (gens[0] / "a.nbc").read_text() == "a.nbc"
    assert _python(COMPILE, env) == "['a.nbc']"  # seeded from it, compiles nothing
    assert jitcache.generations(tmp_path / "store") == gens  # nothing new: nothing published
    assert _python(COMPILE, env, "b.nbc") == "['a.nbc']"
    (newest,) = jitcache.generations(tmp_path / "store")  # older generations are dropped
    assert sorted(p.name for p in newest.iterdir()) == ["a.nbc", "b.nbc"]
    assert not list((tmp_path / "tmp").glob("genrelearn-numba-*"))  # private folders removed


def test_a_process_whose_base_was_superseded_does_not_publish(tmp_path):
    env = _env(tmp_path)
    _python(COMPILE, env, "a.nbc")
    # Two processes start from the same generation; the first to finish publishes, the second
    # (whose folder lacks the first one's additions) must not replace it.
    code = """
    import subprocess, sys
    from genrelearn import jitcache
    private = jitcache.isolate()
    (private / "late.nbc").write_text("late")
    subprocess.run([sys.executable, "-c", sys.argv[1], "early.nbc"], check=True)
    """
    _python(code, env, textwrap.dedent(COMPILE))
    (newest,) = jitcache.generations(tmp_path / "store")
    assert sorted(p.name for p in newest.iterdir()) == ["a.nbc", "early.nbc"]


def test_a_child_process_gets_its_own_folder_not_its_parents(tmp_path):
    code = """
    import os, subprocess, sys
    from genrelearn import jitcache
    mine = jitcache.isolate()
    child = subprocess.run(
        [sys.executable, "-c", "from genrelearn import jitcache; print(jitcache.isolate())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert child != str(mine), (child, mine)
    assert os.path.dirname(child) == os.path.dirname(str(mine))
    print("ok")
    """
    assert _python(code, _env(tmp_path)) == "ok"


def test_a_forked_child_never_saves_into_its_parents_folder(tmp_path):
    (tmp_path / "jitted.py").write_text(
        "from numba import njit\n\n@njit(cache=True)\ndef twice(x):\n    return 2 * x\n"
    )
    code = """
    import multiprocessing as mp, os, sys
    sys.path.insert(0, sys.argv[1])
    import genrelearn, numba  # genrelearn first: numba gets the private folder
    private = os.environ["NUMBA_CACHE_DIR"]
    def listing():
        return sorted(os.path.relpath(os.path.join(d, f), private)
                      for d, _, fs in os.walk(private) for f in fs)
    def child():
        import jitted
        assert jitted.twice(21) == 42  # compiled in the child: kept in memory only
    p = mp.get_context("fork").Process(target=child)
    p.start(); p.join()
    assert p.exitcode == 0
    assert listing() == [], listing()
    import jitted
    jitted.twice(1)  # the parent itself saves as usual
    assert any(name.endswith(".nbi") for name in listing()), listing()
    print("ok")
    """
    assert _python(code, _env(tmp_path), str(tmp_path)) == "ok"


def test_numba_imported_before_genrelearn_is_redirected_with_a_warning(tmp_path):
    code = """
    import sys, warnings
    # Undo the venv's .pth hook, if any, to see an import order without it.
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_IsolateBeforeNumba"]
    import librosa  # numba (and librosa's cached functions) before genrelearn
    from numba.core import config
    from genrelearn import jitcache
    jitcache._state["pid"] = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jitcache.install_import_hook()
    assert config.CACHE_DIR == str(jitcache._state["dir"]), config.CACHE_DIR
    assert any("librosa was imported before genrelearn" in str(w.message) for w in caught)
    print("ok")
    """
    assert _python(code, _env(tmp_path)) == "ok"


def test_the_pth_file_isolates_a_python_that_never_imports_genrelearn(tmp_path):
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    pth = jitcache.install_pth(site_dir)
    code = """
    import os, site, sys
    site.addsitedir(sys.argv[1])
    import numba
    print(os.environ["NUMBA_CACHE_DIR"])
    """
    private = _python(code, _env(tmp_path), str(site_dir))
    assert Path(private).name.startswith("genrelearn-numba-")
    assert pth.read_text().startswith("import ")


def test_off_leaves_numba_alone(tmp_path):
    code = """
    import os
    from genrelearn import jitcache
    assert jitcache.isolate() is None
    print(os.environ.get("NUMBA_CACHE_DIR", ""))
    """
    assert _python(code, _env(tmp_path, GENRELEARN_NUMBA_CACHE="off")) == ""


def test_store_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("GENRELEARN_NUMBA_CACHE", raising=False)
    monkeypatch.delenv("GENRELEARN_NUMBA_OWNER", raising=False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert jitcache.store_root() == tmp_path / "mine" / "genrelearn"
    monkeypatch.setenv("GENRELEARN_NUMBA_CACHE", str(tmp_path / "store"))
    assert jitcache.store_root() == tmp_path / "store"


@pytest.mark.numba_cache
def test_warm_compiles_everything_the_feature_extractors_use(tmp_path):
    """After ``warm``, a process running every extractor with the study's settings compiles
    nothing: its private folder is unchanged at exit, so it publishes no generation."""
    env = _env(tmp_path)
    _python("from genrelearn import jitcache; jitcache.warm()", env)
    (warmed,) = jitcache.generations(tmp_path / "store")
    code = """
    import sys, yaml
    import numpy as np
    from genrelearn.features.extract import EXTRACTORS
    config = yaml.safe_load(open(sys.argv[1]))
    kinds = config["features"]
    sr = 22050
    y = (0.1 * np.random.default_rng(0).standard_normal(5 * sr)).astype(np.float32)
    kinds = {kind: params for kind, params in kinds.items() if kind in EXTRACTORS}
    assert set(kinds) == set(EXTRACTORS), sorted(kinds)
    for kind, params in kinds.items():
        EXTRACTORS[kind](y, sr, **params)
    print(sorted(kinds))
    """
    config = Path(__file__).parents[2] / "config" / "config.yaml"
    print(_python(code, env, str(config)))
    assert jitcache.generations(tmp_path / "store") == [warmed]
    assert jitcache.is_warm(tmp_path / "store")
