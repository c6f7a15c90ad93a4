"""The paper rule's inputs are the manuscript's: a line without a rule, or a rule output
without a line, stops the workflow when the DAG is built, naming the line or the rule."""

from __future__ import annotations

import re

import pytest
from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow


def _dry_run_error(workdir) -> str:
    proc = snakemake(workdir, "-n", check=False)
    assert proc.returncode != 0, "the dry run should have failed"
    return proc.stdout + proc.stderr


def test_a_paper_line_without_an_export_fails_naming_the_line(tmp_path):
    work = copy_workflow(tmp_path)
    section = work / "paper" / "supervised.tex"
    lines = section.read_text().splitlines()
    lines.insert(3, r"\input{generated/table_nobody_writes}")
    section.write_text("\n".join(lines) + "\n")
    err = _dry_run_error(work)
    assert re.search(r"paper/supervised.tex:4: the paper reads generated/table_nobody_writes", err)


def test_an_export_the_paper_does_not_read_fails_naming_the_rule(tmp_path):
    work = copy_workflow(tmp_path)
    tex = work / "paper" / "paper.tex"
    text = tex.read_text()
    line = next(x for x in text.splitlines() if "{generated/fig_confusion}" in x)
    tex.write_text(text.replace(line + "\n", ""))
    err = _dry_run_error(work)
    assert "rule plot_confusion: writes results/" in err
    assert "fig_confusion.pdf, which no \\input or \\includegraphics line" in err
