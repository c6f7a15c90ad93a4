# The shared core of the workflow: configuration checks, path helpers, wildcard constraints
# and library_code. Everything a study owns (its input functions, rules, exports) lives in
# its own rules/<study>.smk; docs/architecture.md is the map.
import os
import re
from pathlib import Path

from genrelearn.config import (
    check_baselines,
    check_data,
    check_random_cnn,
    check_sae,
    check_sae_full,
    check_supervised,
    validate,
)

# ---- configuration: types and ranges from the schema, then each study's cross-key checks -----
SCHEMA_FILE = Path(workflow.basedir) / "config" / "schema.yaml"
validate(config, SCHEMA_FILE)
check_data(config)
check_baselines(config)
check_sae(config)
check_sae_full(config, SCHEMA_FILE)
check_random_cnn(config)
check_supervised(config)

DATASET = config["dataset"]["name"]
SOURCE = config["dataset"]["source"]
GENRES = sorted(config["dataset"]["genres"])
# The one spelling of the results root: every path of the study is under it.
RESULTS = f"results/{DATASET}"
GEN = f"{RESULTS}/paper/generated"


# ---- path helpers ---------------------------------------------------------------------------


def res(path):
    """``results/<dataset>/<path>``; ``path`` may hold wildcards (``"features/{feature}.npz"``)."""
    return f"{RESULTS}/{path}"


def gen(name):
    """A generated paper input, ``results/<dataset>/paper/generated/<name>``."""
    return f"{GEN}/{name}"


def logs(stem):
    """The log of a job, ``results/<dataset>/logs/<stem>.log`` (one per job: put wildcards in)."""
    return res(f"logs/{stem}.log")


def benchmarks(stem):
    """The benchmark table of a job, ``results/<dataset>/benchmarks/<stem>.tsv``."""
    return res(f"benchmarks/{stem}.tsv")


def published_split_if(protocols):
    """GTZAN's published split, when ``fault-filtered`` is among ``protocols``, else nothing."""
    return res("splits/fault-filtered.csv") if "fault-filtered" in protocols else []


def library_code(script):
    """scripts/<script>.py and the library modules it imports, directly or not, as input paths.

    Declared as the `code` input of the rule that runs the script, so that a job reruns when
    the content of its code changes (mtime and checksum, like any input): an edit of a module
    under src/genrelearn reruns exactly the jobs whose scripts import it, and a checkout that
    rewrites a file without changing it reruns nothing. Snakemake's own `code` trigger, which
    compares only the script's mtime, is left out of the default profile's rerun triggers for
    that reason. The modules are found statically (genrelearn.sources). Paths are relative to
    the working directory when the workflow lives there, as in a checkout.
    """
    from genrelearn.sources import script_dependencies

    base = Path(workflow.basedir)
    path = base / "scripts" / f"{script}.py"
    deps = script_dependencies(path, base / "src")
    here = Path.cwd().resolve()
    return [
        (os.path.relpath(f, here) if f.resolve().is_relative_to(here) else str(f.resolve()))
        for f in (path, *deps.modules)
    ]


# ---- wildcards shared by several studies ------------------------------------------------------
# Frame features (config features.*), and what the baselines classify: those features and the
# learned clip vectors of the other studies (config classify.features and classify.learned).
FEATURE_KINDS = [k for k, v in config["features"].items() if isinstance(v, dict)]
FEATURES = list(config["classify"]["features"])
LEARNED = list(config["classify"]["learned"])
CLASSIFIED = FEATURES + LEARNED


wildcard_constraints:
    feature="|".join(re.escape(f) for f in dict.fromkeys(FEATURE_KINDS + CLASSIFIED)),
    protocol="thesis|grouped|fault-filtered",
    subset="train|valid|test",
    ngenres=r"\d+",
