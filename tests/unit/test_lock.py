"""The lock (requirements/lock.txt) against pyproject.toml, envs/*.yaml and the installed venv.

`make install` installs exactly the lock, hash-checked, so these checks need no network: the
lock is well formed (every entry one exact version with hashes, no machine's paths or indexes),
it holds pyproject's and requirements/lock.in's pins, the conda envs pin what it holds, the
running environment is the lock, and the lock is the dependency closure of the project (read
from the installed metadata): nothing missing, nothing extra, no CUDA build of PyTorch.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from test_envs import REPO, canonical, env_files, parse_env, pyproject

LOCK = REPO / "requirements" / "lock.txt"
LOCK_IN = REPO / "requirements" / "lock.in"
# Extras that `make install` (the lock) covers; bench (hnswlib, an sdist built with
# -march=native) is installed by hand.
LOCKED_EXTRAS = ("dev", "slurm")
_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.\-]*)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)$")


@cache
def lock_entries() -> dict[str, tuple[str, tuple[str, ...]]]:
    """The lock as {distribution: (version, hashes)}; asserts that every entry has this form."""
    text = re.sub(r"\\\n", " ", LOCK.read_text())  # join continuation lines
    entries = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()  # "# via ..." annotations and the header
        if not line:
            continue
        match = _ENTRY.fullmatch(line)
        assert match, f"lock entry is not 'name==version --hash=sha256:...': {line[:120]!r}"
        name = canonical(match.group(1))
        assert name not in entries, f"{name} appears twice in the lock"
        hashes = tuple(re.findall(r"sha256:([0-9a-f]{64})", match.group(3)))
        entries[name] = (match.group(2), hashes)
    return entries


def lock_versions() -> dict[str, str]:
    return {name: version for name, (version, _) in lock_entries().items()}


def requirement_is_locked(req: Requirement, where: str) -> None:
    versions = lock_versions()
    name = canonical(req.name)
    assert name in versions, f"{where}: {req} is not in requirements/lock.txt (make lock)"
    assert req.specifier.contains(versions[name], prereleases=True), (
        f"{where}: {req}, but the lock has {name}=={versions[name]} (make lock)"
    )


def project_requirements() -> list[Requirement]:
    """pyproject's runtime and locked-extra requirements, less the project's own extras."""
    project = pyproject()["project"]
    specs = list(project["dependencies"])
    for extra in LOCKED_EXTRAS:
        specs += project["optional-dependencies"][extra]
    return [r for r in map(Requirement, specs) if canonical(r.name) != canonical(project["name"])]


def lock_in_requirements() -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in LOCK_IN.read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def test_every_lock_entry_is_one_version_with_hashes():
    entries = lock_entries()
    assert len(entries) > 50, "the lock parser found too few entries"
    for name, (version, hashes) in entries.items():
        Version(version)  # a valid PEP 440 version
        assert hashes, f"{name} has no hash"
    # Nothing ties the lock to one machine: lock_entries() admits no option lines (indexes,
    # find-links), and no annotation names a local path.
    text = LOCK.read_text()
    assert "/opt/" not in text and "file:" not in text, "the lock names a local path"


def test_lock_holds_pyproject_and_lock_in_pins():
    assert pyproject()["build-system"]["requires"], "no build requirements"
    for req in project_requirements():
        assert str(req.specifier).startswith("=="), f"pyproject: {req} is not pinned with =="
        requirement_is_locked(req, "pyproject.toml")
    # make install builds the project without isolation: its build backend must be locked.
    for spec in pyproject()["build-system"]["requires"]:
        requirement_is_locked(Requirement(spec), "pyproject.toml [build-system]")
    for req in lock_in_requirements():
        assert str(req.specifier).startswith("=="), f"lock.in: {req} is not pinned with =="
        assert lock_versions()[canonical(req.name)] == str(req.specifier)[2:], (
            f"lock.in pins {req}, the lock has {lock_versions()[canonical(req.name)]} (make lock)"
        )


def test_lock_has_the_cpu_build_of_torch_and_no_cuda_packages():
    assert Version(lock_versions()["torch"]).local == "cpu"
    cuda = [n for n in lock_versions() if n.startswith(("nvidia-", "cuda-")) or n == "triton"]
    assert not cuda, f"the lock holds CUDA packages {cuda}: torch must be the +cpu build"


def _makefile_lock_python() -> str:
    match = re.search(r"^LOCK_PYTHON := (\d+\.\d+)$", (REPO / "Makefile").read_text(), re.M)
    assert match, "Makefile: no LOCK_PYTHON"
    return match.group(1)


@pytest.mark.parametrize("path", env_files(), ids=lambda p: p.stem)
def test_env_pins_are_the_locked_versions(path):
    env = parse_env(path)
    versions = lock_versions()
    for dist, version in env["packages"].items():
        assert dist in versions, f"{path.name}: {dist} is not in requirements/lock.txt"
        # conda's "name=2.13.0" is the public version; the lock may add a local label (+cpu).
        assert Version(Version(versions[dist]).public) == Version(version), (
            f"{path.name}: {dist}={version}, but the lock has {dist}=={versions[dist]}"
        )
    assert env["python"] == _makefile_lock_python(), (
        f"{path.name}: python={env['python']}, the lock is for Python {_makefile_lock_python()}"
    )


def _installed_version(name: str) -> str | None:
    try:
        return distribution(name).version
    except PackageNotFoundError:
        return None


def test_installed_environment_is_the_lock():
    wrong = {
        name: (version, _installed_version(name))
        for name, version in lock_versions().items()
        if _installed_version(name) != version
    }
    assert not wrong, (
        f"installed packages differ from the lock (locked, installed): {wrong}; run make install"
    )


def test_lock_is_the_dependency_closure_of_the_project():
    """Walk the installed metadata from pyproject's and lock.in's requirements: every package
    reached (under this interpreter's markers) is locked at a version its dependants accept,
    and every locked package is reached."""
    todo = [(req, "pyproject.toml") for req in project_requirements()]
    todo += [(req, "requirements/lock.in") for req in lock_in_requirements()]
    reached: dict[str, set[str]] = {}
    while todo:
        req, parent = todo.pop()
        requirement_is_locked(req, f"required by {parent}")
        name = canonical(req.name)
        extras = set(req.extras)
        if name in reached and extras <= reached[name]:
            continue
        reached.setdefault(name, set()).update(extras)
        if _installed_version(name) is None:
            pytest.fail(f"{name} (required by {parent}) is not installed: run make install")
        for spec in distribution(name).requires or []:
            dep = Requirement(spec)
            if dep.marker is None or any(
                dep.marker.evaluate({"extra": extra}) for extra in {""} | reached[name]
            ):
                todo.append((dep, name))
    unneeded = set(lock_versions()) - set(reached)
    assert not unneeded, f"locked but needed by nothing: {sorted(unneeded)} (make lock)"
    assert SpecifierSet(pyproject()["project"]["requires-python"]).contains(_makefile_lock_python())
