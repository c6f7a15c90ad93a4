"""The rerun sets of a checkout: the jobs a dry run plans after each of a set of edits.

A developer tool for changes that must not change what reruns (a reorganisation of the rules,
a module moved): build the tiny configuration once in a copy of each checkout, then compare.

    python tests/workflow/rerun_sets.py run CHECKOUT OUT.json
    python tests/workflow/rerun_sets.py compare BEFORE.json AFTER.json

``run`` copies CHECKOUT's workflow (as the workflow tests do), runs the tiny configuration to
the paper, then dry-runs each config edit of ``CONFIG_EDITS`` (as an overlay) and each library
edit of ``MODULE_EDITS`` (a comment appended to the module, then taken back), and writes the
planned jobs. ``compare`` prints, for each edit, the job counts and whether the two sets are
equal; a ``dataset=`` wildcard (which older checkouts had) is ignored.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
from pathlib import Path

import yaml

CONFIG_EDITS = {
    "classify.svm.C": {"classify": {"svm": {"C": 3.0}}},
    "graph.csigma": {"graph": {"csigma": 2.0}},
    "features.mfcc.n_mfcc": {"features": {"mfcc": {"n_mfcc": 13}}},
    "figures.cmap": {"figures": {"cmap": "viridis"}},
    "figures.example_clip": {"figures": {"example_clip": 1}},
    "supervised.epochs": {"supervised": {"epochs": 3}},
    "deep.random_cnn.n_seeds": {"deep": {"random_cnn": {"n_seeds": 3}}},
    "deep.tsne.perplexity": {"deep": {"tsne": {"perplexity": 7.0}}},
    "sae.lz": {"sae": {"lz": 0.5}},
}
MODULE_EDITS = [
    "src/genrelearn/graph.py",
    "src/genrelearn/classify.py",
    "src/genrelearn/pooling.py",
    "src/genrelearn/report/latex.py",
    "src/genrelearn/models/dbn.py",
    "src/genrelearn/features/cqt.py",
    "src/genrelearn/io.py",
]


def _helpers(checkout: Path):
    """The checkout's own workflow-test helpers (conftest.py), pointed at the checkout."""
    sys.path.insert(0, str(checkout / "tests" / "workflow"))
    sys.modules.pop("conftest", None)
    helpers = importlib.import_module("conftest")
    helpers.REPO = checkout
    return helpers


def run(checkout: Path, out: Path) -> None:
    helpers = _helpers(checkout.resolve())
    work = Path(tempfile.mkdtemp(prefix="rerun-sets-"))
    helpers.copy_workflow(work)
    helpers.snakemake(work)
    plans = {}
    for name, edit in CONFIG_EDITS.items():
        overlay = work / "config" / f"edit_{name}.yaml"
        overlay.write_text(yaml.safe_dump(edit))
        plans[name] = helpers.planned_jobs(work, str(overlay.relative_to(work)))
    for module in MODULE_EDITS:
        path = work / module
        text = path.read_text()
        path.write_text(text + "\n# edited\n")
        try:
            plans[module] = helpers.planned_jobs(work)
        finally:
            path.write_text(text)
    out.write_text(
        json.dumps(
            {k: sorted([rule, sorted(w)] for rule, w in jobs) for k, jobs in plans.items()},
            indent=1,
        )
    )
    print(f"{out}: {len(plans)} edits; the finished tiny run is in {work}")


def _normal(jobs: list) -> list:
    """Jobs without the ``dataset=`` wildcard of older checkouts."""
    keep = [[rule, [w for w in sorted(wc) if not w.startswith("dataset=")]] for rule, wc in jobs]
    return sorted(keep)


def compare(before: Path, after: Path) -> int:
    old, new = json.loads(before.read_text()), json.loads(after.read_text())
    differ = 0
    for edit in dict.fromkeys([*old, *new]):
        same = edit in old and edit in new and _normal(old[edit]) == _normal(new[edit])
        differ += not same
        counts = f"{len(old.get(edit, []))} -> {len(new.get(edit, []))} jobs"
        print(f"{edit:32s} {counts:16s} {'same' if same else 'DIFFERENT'}")
    return 1 if differ else 0


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "run":
        run(Path(argv[1]), Path(argv[2]))
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
