"""Which library modules and third-party packages a rule's script runs, found statically.

Snakemake's ``code`` rerun trigger watches the script file of a rule, not the library modules
the script imports. The workflow therefore declares, as inputs of each rule, the source files of
every module of this package that its script imports, directly or through other modules
(:func:`script_dependencies`), so that editing a module reruns exactly the rules that run it.
The same analysis lists the third-party modules a script needs; the tests compare them with the
rule's conda environment.

The analysis reads the source with :mod:`ast`; nothing is imported. It follows

* ``import a.b`` and ``from a.b import c`` (``c`` too when it is a sub-module), relative
  imports included, at any depth: module level and inside functions, since a function-level
  import runs whenever that function does;
* calls ``_try_import("name")`` (the package's idiom for an optional dependency, which returns
  ``None`` when it is missing) and ``importlib.import_module("name")`` with a literal name;
* ``from package import name`` where the package loads ``name`` on first use (:pep:`562`) and
  says from which sub-module in a literal ``_LAZY = {"name": "submodule", ...}`` table at the
  top level of its ``__init__.py`` (:func:`lazy_exports`): that sub-module is followed.

Imports inside ``if TYPE_CHECKING:`` are skipped. An import is *optional* when it is made
through ``_try_import`` or inside a ``try`` block that catches ``ImportError``.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = "genrelearn"

_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
_OPTIONAL_IMPORTERS = {"_try_import", "try_import"}


@dataclass(frozen=True)
class ImportRef:
    """One import found in a source file.

    Attributes
    ----------
    module : str
        Absolute dotted module name (relative imports resolved).
    names : tuple of str
        For ``from module import a, b``: ``("a", "b")``; empty for ``import module``.
    optional : bool
        Whether the code copes with the module being absent.
    """

    module: str
    names: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class Dependencies:
    """What a script runs, beyond the standard library.

    Attributes
    ----------
    modules : tuple of Path
        Source files of the package's modules that the script imports, directly or not
        (package ``__init__`` files included), sorted.
    required : frozenset of str
        Top-level names of third-party modules imported unconditionally somewhere.
    optional : frozenset of str
        Top-level names of third-party modules only imported optionally.
    """

    modules: tuple[Path, ...]
    required: frozenset[str]
    optional: frozenset[str]


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for t in types:
            name = t.id if isinstance(t, ast.Name) else getattr(t, "attr", "")
            if name in _IMPORT_ERRORS:
                return True
    return False


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _resolve_relative(module: str | None, level: int, current: str, is_package: bool) -> str:
    parts = current.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    if not parts:
        raise ValueError(f"relative import beyond the top-level package in {current}")
    return ".".join(parts + ([module] if module else []))


def parse_imports(path: str | Path, module_name: str = "") -> list[ImportRef]:
    """Every import of a Python source file, in source order.

    Parameters
    ----------
    path : str or Path
        The source file.
    module_name : str
        Its dotted module name, needed only to resolve relative imports.

    Returns
    -------
    list of ImportRef
        The imports, relative ones resolved against ``module_name``.
    """
    path = Path(path)
    return list(_parse_imports(str(path), path.stat().st_mtime_ns, module_name))


@cache
def _parse_imports(path: str, _mtime: int, module_name: str) -> tuple[ImportRef, ...]:
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    is_package = Path(path).name == "__init__.py"
    found: list[ImportRef] = []

    def visit(node: ast.AST, optional: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, optional)
            return
        if isinstance(node, ast.Try):
            guarded = optional or _catches_import_error(node)
            for child in node.body:
                visit(child, guarded)
            for child in (*node.handlers, *node.orelse, *node.finalbody):
                visit(child, optional)
            return
        if isinstance(node, ast.Import):
            found.extend(ImportRef(alias.name, (), optional) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                return
            module = node.module or ""
            if node.level:
                module = _resolve_relative(node.module, node.level, module_name, is_package)
            names = tuple(alias.name for alias in node.names if alias.name != "*")
            found.append(ImportRef(module, names, optional))
        elif isinstance(node, ast.Call):
            name = _call_name(node.func)
            first = node.args[0] if node.args else None
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if literal and name in _OPTIONAL_IMPORTERS:
                found.append(ImportRef(first.value, (), True))
            elif literal and name == "import_module":
                found.append(ImportRef(first.value, (), optional))
        for child in ast.iter_child_nodes(node):
            visit(child, optional)

    visit(tree, False)
    return tuple(found)


def lazy_exports(path: str | Path) -> dict[str, str]:
    """The ``_LAZY`` table of a package's ``__init__.py``: exported name -> sub-module name.

    Parameters
    ----------
    path : str or Path
        A source file.

    Returns
    -------
    dict
        Empty for a file without a top-level ``_LAZY = {...}`` of string literals.
    """
    path = Path(path)
    return dict(_lazy_exports(str(path), path.stat().st_mtime_ns))


@cache
def _lazy_exports(path: str, _mtime: int) -> tuple[tuple[str, str], ...]:
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == "_LAZY" and node.value is not None:
            table = ast.literal_eval(node.value)
            return tuple((str(name), str(sub)) for name, sub in table.items())
    return ()


def module_file(module: str, src: str | Path) -> Path | None:
    """Source file of a dotted module name under the source root ``src``, if there is one.

    Parameters
    ----------
    module : str
        Dotted name, e.g. ``"genrelearn.sae.fista"``.
    src : str or Path
        Folder that holds the top-level package (``src/`` of this repository).

    Returns
    -------
    Path or None
        ``<src>/a/b.py`` or ``<src>/a/b/__init__.py``; ``None`` when neither exists.
    """
    base = Path(src).joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def script_dependencies(
    script: str | Path, src: str | Path, package: str = PACKAGE
) -> Dependencies:
    """The package modules and third-party modules a script runs, directly or not.

    Parameters
    ----------
    script : str or Path
        A rule's script.
    src : str or Path
        Folder that holds ``package`` (its source, not an installed copy).
    package : str
        Name of the library whose modules are followed.

    Returns
    -------
    Dependencies
        Module files of ``package`` and top-level third-party module names (the standard
        library and ``package`` itself excluded).

    Raises
    ------
    ModuleNotFoundError
        If the script imports a module of ``package`` that has no source file under ``src``.
    """
    src = Path(src)
    stdlib = set(sys.stdlib_module_names)
    files: dict[str, Path] = {}
    required: set[str] = set()
    optional: set[str] = set()
    queue: list[tuple[Path, str]] = [(Path(script), "")]
    seen: set[Path] = set()

    def add_module(name: str) -> None:
        # Importing a.b.c runs a/__init__.py, a/b/__init__.py and a/b/c.py.
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            sub = ".".join(parts[:depth])
            if sub in files:
                continue
            path = module_file(sub, src)
            if path is None:
                raise ModuleNotFoundError(f"{sub} (imported by {script}) has no source in {src}")
            files[sub] = path
            queue.append((path, sub))

    while queue:
        path, name = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        for ref in parse_imports(path, name):
            top = ref.module.split(".")[0]
            if top == package:
                add_module(ref.module)
                lazy = lazy_exports(files[ref.module]) if ref.names else {}
                for attr in ref.names:
                    if module_file(f"{ref.module}.{attr}", src) is not None:
                        add_module(f"{ref.module}.{attr}")
                    elif attr in lazy:
                        add_module(f"{ref.module}.{lazy[attr]}")
            elif top and top not in stdlib:
                (optional if ref.optional else required).add(top)
    optional -= required
    return Dependencies(tuple(sorted(files.values())), frozenset(required), frozenset(optional))
