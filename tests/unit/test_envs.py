"""The conda envs of envs/ against the rules, their scripts' imports and pyproject's pins.

No conda channel is reachable from the build machines, so the envs cannot be created here;
these tests check statically what creating them would rely on: (a) every env file parses and
every rule names an existing env, (b) every module that a rule's script imports, directly or
through library modules (genrelearn.sources, the same analysis that declares the rules' code
inputs), is provided by that rule's env, and (c) the env's pins are pyproject's.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml

from genrelearn.sources import script_dependencies

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"

# conda-forge package name -> PyPI distribution name, where they differ.
CONDA_TO_PYPI = {"pysoundfile": "soundfile", "pytorch": "torch", "matplotlib-base": "matplotlib"}
# Import name -> distribution, for modules not installed here (optional ones); installed
# modules are mapped by their own metadata (importlib.metadata.packages_distributions).
IMPORT_FALLBACK = {"hnswlib": "hnswlib", "faiss": "faiss-cpu", "pyflann_ibeis": "pyflann-ibeis"}
# Packages needed at run time without an import statement in our code.
IMPLICIT = {
    # pandas' Styler (Styler.to_latex, the paper's tables) imports jinja2 when first used.
    "genrelearn/report/tables.py": {"jinja2"},
}
# Optional imports (the code copes with their absence) that a rule nonetheless needs, because
# a configuration value selects them: the kNN backends of knn_search (graph.backend).
NEEDED_OPTIONAL = {"knn_search": {"faiss-cpu", "pyflann-ibeis"}}


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def runtime_pins() -> dict[str, str]:
    pins = {}
    for spec in pyproject()["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", spec.strip())
        assert match, f"pyproject dependency {spec!r} is not pinned with =="
        pins[canonical(match.group(1))] = match.group(2)
    return pins


def extra_distributions() -> set[str]:
    extras = pyproject()["project"].get("optional-dependencies", {})
    return {
        canonical(re.split(r"[=<>!~ ;\[]", spec)[0]) for specs in extras.values() for spec in specs
    }


def parse_env(path: Path) -> dict:
    """An env file as {"python": version, "packages": {dist: version}, "editable": [...]}."""
    env = yaml.safe_load(path.read_text())
    assert isinstance(env, dict) and env.get("dependencies"), f"{path.name}: no dependencies"
    assert env.get("channels"), f"{path.name}: no channels"
    out = {"python": None, "packages": {}, "editable": [], "name": env.get("name")}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            assert set(dep) == {"pip"}, f"{path.name}: unexpected entry {dep}"
            for line in dep["pip"]:
                if line.startswith("-e "):
                    out["editable"].append(line[3:].strip())
                    continue
                match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line.strip())
                assert match, f"{path.name}: pip entry {line!r} is not pinned with =="
                out["packages"][canonical(match.group(1))] = match.group(2)
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:(==?)(\S+))?", str(dep).strip())
        assert match, f"{path.name}: cannot parse conda entry {dep!r}"
        name, version = match.group(1), match.group(3)
        if name == "pip":
            continue
        assert version, f"{path.name}: {name} is not pinned"
        if name == "python":
            out["python"] = version
            continue
        out["packages"][canonical(CONDA_TO_PYPI.get(name, name))] = version
    return out


def env_files() -> list[Path]:
    return sorted((REPO / "envs").glob("*.yaml"))


_RULE = re.compile(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)*)", re.MULTILINE)


@cache
def smk_rules() -> dict[str, dict]:
    """Rules of rules/*.smk: their conda env, script and declared library code, as written."""
    rules = {}
    for smk in sorted((REPO / "rules").glob("*.smk")):
        for match in _RULE.finditer(smk.read_text()):
            body = match.group(2)
            conda = re.search(r'^\s+conda:\n\s+"\.\./envs/([\w-]+)\.yaml"', body, re.MULTILINE)
            script = re.search(r'^\s+script:\n\s+"\.\./scripts/(\w+)\.py"', body, re.MULTILINE)
            code = re.search(r'^\s+code=library_code\("(\w+)"\),$', body, re.MULTILINE)
            rules[match.group(1)] = {
                "file": smk.name,
                "conda": conda and conda.group(1),
                "script": script and script.group(1),
                "code": code and code.group(1),
            }
    assert len(rules) >= 15, "rule parser found too few rules"
    return rules


@cache
def installed_distributions() -> dict[str, list[str]]:
    return packages_distributions()


def distribution_of(import_name: str) -> str:
    dists = installed_distributions().get(import_name)
    if dists:
        return canonical(dists[0])
    assert import_name in IMPORT_FALLBACK, f"no distribution known for import {import_name!r}"
    return IMPORT_FALLBACK[import_name]


def needed_distributions(rule: str, script: str) -> tuple[set[str], set[str]]:
    """(required, optional) distributions of a rule's script and library modules."""
    deps = script_dependencies(REPO / "scripts" / f"{script}.py", SRC)
    required = {distribution_of(name) for name in deps.required}
    for path in deps.modules:
        required |= IMPLICIT.get(path.relative_to(SRC).as_posix(), set())
    required |= NEEDED_OPTIONAL.get(rule, set())
    optional = {distribution_of(name) for name in deps.optional} - required
    return required, optional


@pytest.mark.parametrize("path", env_files(), ids=lambda p: p.stem)
def test_env_file_parses_and_installs_the_library(path):
    env = parse_env(path)
    assert env["name"] == f"genrelearn-{path.stem}"
    assert env["python"], f"{path.name}: no python version"
    assert env["packages"], f"{path.name}: no packages"
    # The rule scripts import genrelearn: the env installs this repository (pip -e, relative
    # to the env file, i.e. the repository root).
    assert env["editable"] == [".."]
    assert (path.parent / ".." / "pyproject.toml").resolve() == REPO / "pyproject.toml"


@pytest.mark.parametrize("path", env_files(), ids=lambda p: p.stem)
def test_env_pins_agree_with_pyproject(path):
    env = parse_env(path)
    pins = runtime_pins()
    for dist, version in env["packages"].items():
        assert dist in pins, f"{path.name}: {dist} is not a runtime dependency in pyproject.toml"
        assert version == pins[dist], (
            f"{path.name}: {dist}={version}, but pyproject.toml pins {dist}=={pins[dist]}"
        )
    required = pyproject()["project"]["requires-python"]
    low = re.fullmatch(r">=\s*(\d+)\.(\d+)", required)
    assert low, f"unexpected requires-python {required!r}"
    major, minor = (int(x) for x in env["python"].split(".")[:2])
    assert (major, minor) >= (int(low.group(1)), int(low.group(2)))


def test_every_scripted_rule_has_an_existing_env_and_every_env_is_used():
    rules = smk_rules()
    scripted = {name: r for name, r in rules.items() if r["script"]}
    assert scripted, "no rule with a script found"
    for name, rule in scripted.items():
        assert rule["conda"], f"rule {name} ({rule['file']}) has no conda env"
        assert (REPO / "envs" / f"{rule['conda']}.yaml").is_file(), f"rule {name}: no env file"
        assert (REPO / "scripts" / f"{rule['script']}.py").is_file()
    used = {r["conda"] for r in scripted.values()}
    assert used == {p.stem for p in env_files()}, "an env file is not used by any rule"


@pytest.mark.parametrize("rule", sorted(n for n, r in smk_rules().items() if r["script"]), ids=str)
def test_rule_env_provides_every_imported_package(rule):
    info = smk_rules()[rule]
    env = parse_env(REPO / "envs" / f"{info['conda']}.yaml")
    required, optional = needed_distributions(rule, info["script"])
    missing = required - set(env["packages"])
    assert not missing, (
        f"rule {rule} runs scripts/{info['script']}.py, which needs {sorted(missing)}; "
        f"envs/{info['conda']}.yaml does not list them"
    )
    # An optional import must at least be a declared dependency of the project.
    known = set(runtime_pins()) | extra_distributions()
    assert optional <= known, f"rule {rule}: undeclared optional imports {optional - known}"


@pytest.mark.parametrize("rule", sorted(n for n, r in smk_rules().items() if r["script"]), ids=str)
def test_rule_declares_the_library_code_of_its_script(rule):
    info = smk_rules()[rule]
    assert info["code"] == info["script"], (
        f"rule {rule} runs scripts/{info['script']}.py: declare its library modules as an input, "
        f'code=library_code("{info["script"]}"), so that editing them reruns it'
    )


def test_every_runtime_import_of_the_library_is_a_pinned_dependency():
    """No module of src/genrelearn imports a package that pyproject does not declare."""
    pins = runtime_pins()
    known = set(pins) | extra_distributions()
    for script in sorted((REPO / "scripts").glob("*.py")):
        deps = script_dependencies(script, SRC)
        for name in deps.required:
            assert distribution_of(name) in pins, f"{script.name} needs undeclared {name}"
        for name in deps.optional:
            assert distribution_of(name) in known, f"{script.name} needs undeclared {name}"
