"""The paper's inputs, derived from its LaTeX sources, and their check against rule outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from genrelearn.report.manuscript import (
    check_against_rules,
    manuscript_inputs,
    pattern_regex,
)

REPO = Path(__file__).resolve().parents[2]
GEN = "results/ds/paper/generated"


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    folder = tmp_path / "paper"
    folder.mkdir()
    (folder / "main.tex").write_text(
        "\\input{generated/macros_a}\n"
        "% \\input{generated/commented_out}\n"
        "50\\% of \\includegraphics[width=0.5\\linewidth]{generated/fig_b} % a remark\n"
        "\\input{generated/table_only} % only: synth\n"
        "\\input{study}\n"
        "\\input{optional} % only: gtzan\n"
    )
    (folder / "study.tex").write_text("text\n  \\input{generated/table_c}\n")
    (folder / "optional.tex").write_text("\\includegraphics{generated/fig_d.png}\n")
    return folder / "main.tex"


def test_every_input_and_figure_is_found_with_its_line(paper):
    found = manuscript_inputs(paper, {"synth": True, "gtzan": False})
    got = [(i.name, i.generated, str(i.source), i.line, i.used) for i in found]
    assert got == [
        ("macros_a.tex", True, "paper/main.tex", 1, True),
        ("fig_b.pdf", True, "paper/main.tex", 3, True),
        ("table_only.tex", True, "paper/main.tex", 4, True),
        ("study.tex", False, "paper/main.tex", 5, True),
        ("table_c.tex", True, "paper/study.tex", 2, True),
        ("optional.tex", False, "paper/main.tex", 6, False),
        # a section read under a false condition: its own inputs are listed, not used
        ("fig_d.png", True, "paper/optional.tex", 1, False),
    ]
    assert found[2].condition == "synth" and found[2].where() == "paper/main.tex:4"


def test_conditions_select_lines(paper):
    found = manuscript_inputs(paper, {"synth": False, "gtzan": True})
    used = {i.name for i in found if i.used}
    assert "table_only.tex" not in used
    assert {"optional.tex", "fig_d.png"} <= used


def test_unknown_condition_and_missing_section_name_the_line(paper, tmp_path):
    with pytest.raises(ValueError, match=r"paper/main.tex:4: unknown condition 'only: synth'"):
        manuscript_inputs(paper, {"gtzan": True})
    (tmp_path / "paper" / "study.tex").unlink()
    with pytest.raises(ValueError, match=r"paper/main.tex:5: .*study.tex, which is not in"):
        manuscript_inputs(paper, {"synth": True, "gtzan": True})


def test_pattern_regex_honours_wildcards_and_constraints():
    rx = pattern_regex(GEN + "/fig_deep_{figure,curves|tsne}.pdf")
    assert rx.fullmatch(GEN + "/fig_deep_tsne.pdf")
    assert not rx.fullmatch(GEN + "/fig_deep_other.pdf")
    assert pattern_regex(GEN + "/fig_{feature}.pdf").fullmatch(GEN + "/fig_cqt.pdf")
    assert pattern_regex("a/{n,\\d{2}}.txt").fullmatch("a/12.txt")
    assert not pattern_regex("a/{n,\\d{2}}.txt").fullmatch("a/123.txt")
    assert not pattern_regex("a.b/{x}").fullmatch("aXb/1")  # literal parts are escaped


def test_check_against_rules_both_ways(paper):
    found = manuscript_inputs(paper, {"synth": False, "gtzan": False})
    outputs = {
        "export_a": [f"{GEN}/macros_a.tex", f"{GEN}/table_only.tex"],
        "plot": [GEN + "/fig_{name}.pdf", GEN + "/fig_d.png"],
        "export_c": [f"{GEN}/table_c.tex"],
    }
    # inputs under a false condition still count as read, and as needing a rule
    check_against_rules(found, outputs, GEN)
    missing = {**outputs, "export_c": []}
    with pytest.raises(ValueError, match=r"paper/study.tex:2: the paper reads generated/table_c"):
        check_against_rules(found, missing, GEN)
    unused = {**outputs, "export_x": [f"{GEN}/table_x.tex"]}
    with pytest.raises(ValueError, match=r"rule export_x: writes .*/table_x.tex, which no"):
        check_against_rules(found, unused, GEN)


@pytest.mark.parametrize("sae_full", [False, True])
def test_the_shipped_paper_reads_its_sections_and_exports(sae_full):
    for source in ("synth", "gtzan"):
        found = manuscript_inputs(
            REPO / "paper" / "paper.tex",
            {"synth": source == "synth", "gtzan": source == "gtzan", "sae_full": sae_full},
        )
        sections = {i.name for i in found if not i.generated}
        assert sections == {
            p.name for p in (REPO / "paper").glob("*.tex") if p.name != "paper.tex"
        }, "every section file beside paper.tex is read, and nothing else"
        for item in found:
            assert (REPO / item.source).is_file()
        used = {i.name for i in found if i.generated and i.used}
        assert ("table_synth.tex" in used) == (source == "synth")
        assert {"macros_data.tex", "table_accuracy.tex", "fig_confusion.pdf"} <= used
        # the full-scale paragraph and its exports only when that experiment is on
        full = {"macros_sae_full.tex", "table_sae_full.tex"}
        assert (full & used) == (full if sae_full else set())
        section = [i for i in found if i.name == "sae_full.tex"]
        assert [i.used for i in section] == [sae_full]
