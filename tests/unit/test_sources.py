import os
import subprocess
import sys
from pathlib import Path

import pytest

from genrelearn.sources import module_file, parse_imports, script_dependencies

REPO = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def tree(tmp_path):
    """A toy package ``pkg`` under ``src/`` and a script that uses part of it."""
    src = tmp_path / "src"
    write(src / "pkg" / "__init__.py", '"""Top."""\n')
    write(src / "pkg" / "a.py", "import numpy as np\nfrom pkg.sub import b\n")
    write(src / "pkg" / "sub" / "__init__.py", "")
    write(src / "pkg" / "sub" / "b.py", "from . import c\n\ndef f():\n    import torch\n")
    write(src / "pkg" / "sub" / "c.py", "from ..d import X\n")
    write(src / "pkg" / "d.py", "X = 1\ntry:\n    import fancy\nexcept ImportError:\n    pass\n")
    write(src / "pkg" / "unused.py", "import pandas\n")
    write(
        src / "pkg" / "opt.py",
        "def _try_import(name):\n    pass\n\ndef g():\n    return _try_import('faiss')\n",
    )
    script = write(
        tmp_path / "scripts" / "step.py",
        "from typing import TYPE_CHECKING\nimport json\nfrom pkg.a import np\nfrom pkg import opt\n"
        "if TYPE_CHECKING:\n    from snakemake.script import snakemake\n",
    )
    return src, script


def test_follows_imports_transitively_relative_and_function_level(tree):
    src, script = tree
    deps = script_dependencies(script, src, package="pkg")
    names = {p.relative_to(src).as_posix() for p in deps.modules}
    assert names == {
        "pkg/__init__.py",
        "pkg/a.py",
        "pkg/opt.py",
        "pkg/sub/__init__.py",
        "pkg/sub/b.py",
        "pkg/sub/c.py",
        "pkg/d.py",
    }
    # numpy at module level, torch inside a function: both run; json is standard library;
    # snakemake only under TYPE_CHECKING; pandas only in a module the script never imports.
    assert deps.required == {"numpy", "torch"}
    # try/except ImportError and the _try_import idiom make an import optional.
    assert deps.optional == {"fancy", "faiss"}
    assert list(deps.modules) == sorted(deps.modules)


def test_missing_library_module_is_an_error(tmp_path):
    src = tmp_path / "src"
    write(src / "pkg" / "__init__.py", "")
    script = write(tmp_path / "s.py", "from pkg.nothere import x\n")
    with pytest.raises(ModuleNotFoundError, match="pkg.nothere"):
        script_dependencies(script, src, package="pkg")


def test_parse_imports_sees_edits(tmp_path):
    path = write(tmp_path / "m.py", "import numpy\n")
    assert [r.module for r in parse_imports(path)] == ["numpy"]
    path.write_text("import scipy\nimport numpy\n")
    assert [r.module for r in parse_imports(path)] == ["scipy", "numpy"]


def test_module_file_prefers_module_then_package(tmp_path):
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "m.py", "")
    assert module_file("pkg.m", tmp_path) == tmp_path / "pkg" / "m.py"
    assert module_file("pkg", tmp_path) == tmp_path / "pkg" / "__init__.py"
    assert module_file("pkg.none", tmp_path) is None


def test_real_scripts_do_not_reach_the_solver_unless_they_fit():
    """Editing the auto-encoder's solver must rerun the fits, not the kNN search."""
    src = REPO / "src"
    solver = src / "genrelearn" / "sae" / "fista.py"
    fit = script_dependencies(REPO / "scripts" / "sae_fit.py", src)
    assert solver in fit.modules and "torch" in fit.required
    for script in ("knn_search", "sae_frames", "cqt_codes", "sae_classify", "classify"):
        deps = script_dependencies(REPO / "scripts" / f"{script}.py", src)
        assert solver not in deps.modules, script
        assert "torch" not in deps.required, script


def test_lazy_package_names_lead_to_their_sub_module_only_when_asked_for(tmp_path):
    """A package that loads names on first use (PEP 562) names their sub-modules in ``_LAZY``."""
    src = tmp_path / "src"
    write(
        src / "pkg" / "__init__.py",
        '_LAZY = {"Model": "heavy"}\n\ndef __getattr__(name):\n    import importlib\n'
        "    return getattr(importlib.import_module(f'pkg.{_LAZY[name]}'), name)\n",
    )
    write(src / "pkg" / "heavy.py", "import torch\n\nclass Model:\n    pass\n")
    write(src / "pkg" / "light.py", "import numpy\n")
    asks = write(tmp_path / "asks.py", "from pkg import Model\n")
    other = write(tmp_path / "other.py", "from pkg.light import numpy\nfrom pkg import light\n")
    deps = script_dependencies(asks, src, package="pkg")
    assert {p.name for p in deps.modules} == {"__init__.py", "heavy.py"}
    assert deps.required == {"torch"}
    deps = script_dependencies(other, src, package="pkg")
    assert {p.name for p in deps.modules} == {"__init__.py", "light.py"}
    assert deps.required == {"numpy"}


def test_the_auto_encoder_package_loads_its_names_lazily_without_torch_until_asked():
    """The workflow reads genrelearn.sae.points at DAG time: that must not import PyTorch."""
    code = (
        "import sys, genrelearn.sae as sae, genrelearn.sae.points, genrelearn.sae.evaluation\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "from genrelearn.sae import _LAZY, fista\n"
        "assert 'torch' in sys.modules\n"
        "assert callable(fista) and fista.__module__ == 'genrelearn.sae.fista'\n"
        "for name, sub in _LAZY.items():\n"
        "    assert getattr(sae, name) is getattr(sys.modules[f'genrelearn.sae.{sub}'], name)\n"
        "assert set(sae.__all__) == set(_LAZY)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
