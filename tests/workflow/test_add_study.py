""" "Adding a study" (docs/architecture.md), followed step by step on a finished tiny run.

The new study histograms the clip durations (one compute rule) and puts the number of
histogram bins and the longest bin's count into the paper (one export). It must plan only
its own jobs and the paper, build, and rerun alone when its setting changes.
"""

from __future__ import annotations

import textwrap

import pytest
import yaml
from conftest import planned_jobs, snakemake
from test_repro import copy_finished_tree

pytestmark = pytest.mark.workflow


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def add_study(tree):
    # 1. settings: a config section and its schema
    with (tree / "config" / "config.yaml").open("a") as f:
        f.write("\n# clip-duration histogram (docs/architecture.md, 'Adding a study')\n")
        f.write("mystudy:\n  n_bins: 6\n")
    schema_file = tree / "config" / "schema.yaml"
    schema = yaml.safe_load(schema_file.read_text())
    schema["properties"]["mystudy"] = {
        "description": "Histogram of the clip durations.",
        "type": "object",
        "additionalProperties": False,
        "required": ["n_bins"],
        "properties": {
            "n_bins": {"description": "Number of bins.", "type": "integer", "minimum": 1}
        },
    }
    schema["required"].append("mystudy")
    schema_file.write_text(yaml.safe_dump(schema, sort_keys=False))
    # 2. no two keys to check against each other: no check_mystudy
    # 3. library
    _write(
        tree / "src" / "genrelearn" / "mystudy.py",
        '''
        """Histogram of clip durations."""

        import numpy as np


        def duration_histogram(durations: np.ndarray, n_bins: int) -> np.ndarray:
            """Counts of ``durations`` in ``n_bins`` equal bins over their range."""
            counts, _ = np.histogram(np.asarray(durations, dtype=float), bins=n_bins)
            return counts
        ''',
    )
    # 4. scripts
    _write(
        tree / "scripts" / "mystudy_histogram.py",
        '''
        """Rule mystudy_histogram: histogram of the clip durations."""

        import pandas as pd

        from genrelearn.io import write_json
        from genrelearn.logs import log_to_file
        from genrelearn.mystudy import duration_histogram
        from genrelearn.provenance import recorded


        def main() -> None:
            with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
                tracks = pd.read_csv(snakemake.input.tracks)
                counts = duration_histogram(tracks["duration"], snakemake.params.n_bins)
                write_json(snakemake.output.histogram, {"counts": counts.tolist()})
                log.info("counts %s", counts.tolist())


        if __name__ == "__main__":
            main()
        ''',
    )
    _write(
        tree / "scripts" / "export_mystudy.py",
        '''
        """Rule export_mystudy: macros of the clip-duration histogram."""

        from genrelearn.io import read_json, write_text
        from genrelearn.logs import log_to_file
        from genrelearn.report.macros import render_macros


        def main() -> None:
            with log_to_file(snakemake.log[0]):
                counts = read_json(snakemake.input.histogram)["counts"]
                macros = {"MyStudyBins": str(len(counts)), "MyStudyMax": str(max(counts))}
                write_text(snakemake.output.macros, render_macros(macros))


        if __name__ == "__main__":
            main()
        ''',
    )
    # 5. rules, and one include line in the Snakefile (before the paper's)
    _write(
        tree / "rules" / "mystudy_inputs.smk",
        """
        # Settings of the rules in rules/mystudy.smk.
        MYSTUDY = config["mystudy"]
        """,
    )
    _write(
        tree / "rules" / "mystudy.smk",
        """
        # Clip-duration histogram. Paper: paper/mystudy.tex.


        include: "mystudy_inputs.smk"


        rule mystudy_histogram:
            input:
                tracks=res("tracks.csv"),
                code=library_code("mystudy_histogram"),
            output:
                histogram=res("mystudy/histogram.json"),
            log:
                logs("mystudy_histogram"),
            conda:
                "../envs/classify.yaml"
            threads: 1
            resources:
                mem_mb=500,
                runtime=5,
            params:
                n_bins=MYSTUDY["n_bins"],
            script:
                "../scripts/mystudy_histogram.py"


        rule export_mystudy:
            input:
                histogram=res("mystudy/histogram.json"),
                code=library_code("export_mystudy"),
            output:
                macros=gen("macros_mystudy.tex"),
            log:
                logs("export_mystudy"),
            localrule: True
            conda:
                "../envs/paper.yaml"
            threads: 1
            resources:
                mem_mb=500,
                runtime=5,
            script:
                "../scripts/export_mystudy.py"
        """,
    )
    snakefile = tree / "Snakefile"
    text = snakefile.read_text()
    paper_include = 'include: "rules/paper.smk"'
    assert paper_include in text
    snakefile.write_text(
        text.replace(paper_include, f'include: "rules/mystudy.smk"\n{paper_include}')
    )
    # 6. environment: envs/classify.yaml and envs/paper.yaml have numpy and pandas
    # 7. cluster: size the non-local rule
    profile = tree / "profiles" / "slurm" / "config.yaml"
    text = profile.read_text()
    text = text.replace(
        "set-resources:\n",
        "set-resources:\n  mystudy_histogram: {cpus_per_task: 1, mem_mb: 500, runtime: 5}"
        "  # one small table\n",
    )
    profile.write_text(text)
    # 8. paper: a section file, and one \input line in paper.tex
    _write(
        tree / "paper" / "mystudy.tex",
        r"""
        \input{generated/macros_mystudy}
        \section{Clip durations}
        The durations fall into \MyStudyBins{} bins; the fullest holds \MyStudyMax{} clips.
        """,
    )
    tex = tree / "paper" / "paper.tex"
    text = tex.read_text()
    assert "\\input{supervised}\n" in text
    tex.write_text(text.replace("\\input{supervised}\n", "\\input{supervised}\n\\input{mystudy}\n"))


def test_a_study_added_by_the_recipe_runs_reaches_the_paper_and_reruns_alone(tiny_run, tmp_path):
    tree = copy_finished_tree(tiny_run, tmp_path / "tree")
    add_study(tree)
    new = {("mystudy_histogram", frozenset()), ("export_mystudy", frozenset())}
    paper = {("paper", frozenset()), ("all", frozenset())}
    assert planned_jobs(tree) == new | paper
    snakemake(tree)
    out = next((tree / "results").iterdir())
    macros = (out / "paper" / "generated" / "macros_mystudy.tex").read_text()
    assert "\\newcommand{\\MyStudyBins}{6}" in macros
    assert (out / "mystudy" / "histogram.json.prov.json").is_file()
    assert planned_jobs(tree) == set()
    # 9. its setting, edited in an overlay, reruns the study and the paper only
    overlay = tree / "config" / "bins.yaml"
    overlay.write_text(yaml.safe_dump({"mystudy": {"n_bins": 3}}))
    assert planned_jobs(tree, "config/bins.yaml") == new | paper
