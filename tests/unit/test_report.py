import pytest

from genrelearn.report.latex import undefined_problems
from genrelearn.report.macros import format_number, macro_name, number_word, render_macros
from genrelearn.report.sae_full_report import change_word, full_scale_frame
from genrelearn.report.tables import accuracy_frame, per_class_frame, to_latex


def test_macro_names_are_letters_only():
    assert macro_name("acc", "cqt", 10, "grouped") == "AccCqtTenGrouped"
    assert macro_name("window", "mfcc", "seconds") == "WindowMfccSeconds"
    assert macro_name("x_2", 45) == "XTwoFortyFive"
    assert number_word(120) == "OneHundredTwenty"
    with pytest.raises(ValueError):
        render_macros({"Bad1": "x"})


def test_format_number_is_fixed_and_has_no_negative_zero():
    assert format_number(62.349, 1) == "62.3"
    assert format_number(-0.04, 1) == "0.0"
    assert format_number(5, 2) == "5.00"


def test_render_macros_sorted_and_deterministic():
    text = render_macros({"B": "2", "A": "1"})
    assert text.index("\\newcommand{\\A}{1}") < text.index("\\newcommand{\\B}{2}")
    assert text == render_macros({"A": "1", "B": "2"})


def summary(mean, std):
    return {"accuracy_mean": mean, "accuracy_std": std}


def test_accuracy_table_layout():
    pairs = [
        ({"feature": f, "n_genres": n, "protocol": p}, summary(50 + n, 1.25))
        for f in ("cqt", "mfcc")
        for n in (2, 10)
        for p in ("grouped", "thesis")
    ]
    frame = accuracy_frame(pairs)
    assert list(frame.columns) == ["2 genres", "10 genres"]
    assert frame.loc[("CQT", "grouped"), "10 genres"] == "60.0 +- 1.2"
    tex = to_latex(frame, "llSS")
    assert "\\toprule" in tex and "\\bottomrule" in tex
    assert "{10 genres}" in tex  # siunitx: header protected from S-column parsing


def test_accuracy_table_marks_subsets_a_method_did_not_run():
    """The SAE runs on one subset only: its other cells read "--", rows keep their order."""
    pairs = [
        ({"feature": "cqt", "n_genres": n, "protocol": "grouped"}, summary(50 + n, 1.0))
        for n in (2, 5, 10)
    ] + [({"feature": "sae", "n_genres": 5, "protocol": "grouped"}, summary(70, 2.0))]
    frame = accuracy_frame(pairs)
    assert list(frame.index.get_level_values(0)) == ["CQT", "structured AE"]
    assert list(frame.loc[("structured AE", "grouped")]) == ["{--}", "70.0 +- 2.0", "{--}"]
    assert "{--}" in to_latex(frame, "llSSS")


def test_per_class_frame_percentages():
    report = {
        "a": {"precision": 0.5, "recall": 1.0, "f1": 2 / 3},
        "b": {"precision": 1.0, "recall": 0.0, "f1": 0.0},
        "macro avg": {"precision": 0.75, "recall": 0.5, "f1": 1 / 3},
        "weighted avg": {"precision": 0.75, "recall": 0.5, "f1": 1 / 3},
    }
    frame = per_class_frame({"classes": ["a", "b"], "per_class": report})
    assert frame.loc["a", "Recall"] == 100
    assert list(frame.index) == ["a", "b", "macro avg", "weighted avg"]


def test_undefined_references_and_citations_are_found():
    log = (
        "LaTeX Warning: Reference `fig:x' on page 2 undefined on input line 40.\n"
        "LaTeX Warning: Citation `foo2020' on page 1 undefined on input line 12.\n"
        'Warning--I didn\'t find a database entry for "bar"\n'
        "LaTeX Warning: There were undefined references.\n"
    )
    assert len(undefined_problems(log)) == 4
    assert undefined_problems("Output written on paper.pdf (3 pages).") == []


def test_atomic_write_leaves_no_temp_file_and_normal_permissions(tmp_path):
    import os

    from genrelearn.io import atomic_path, write_text

    write_text(tmp_path / "a.tex", "x")
    assert (tmp_path / "a.tex").read_text() == "x\n"
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a.tex").stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "b.tex") as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tex"]


def test_write_csv_has_no_index_rounds_floats_and_keeps_the_old_file_on_failure(tmp_path):
    import pandas as pd

    from genrelearn.io import write_csv

    path = tmp_path / "t.csv"
    write_csv(path, pd.DataFrame({"a": [1, 2], "x": [1 / 3, 2.0]}), float_format="%.3g")
    assert path.read_text() == "a,x\n1,0.333\n2,2\n"
    bad = pd.DataFrame({"a": [1]})
    bad.to_csv = None  # a frame that fails while it is written
    with pytest.raises(TypeError):
        write_csv(path, bad)
    assert path.read_text() == "a,x\n1,0.333\n2,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_published_split_shows_its_single_accuracy_without_spread():
    pairs = [
        ({"feature": "cqt", "n_genres": 10, "protocol": "grouped"}, summary(60.0, 1.2)),
        (
            {"feature": "cqt", "n_genres": 10, "protocol": "fault-filtered"},
            {**summary(52.4137, 0.0), "n_splits": 1},
        ),
    ]
    frame = accuracy_frame(pairs)
    assert frame.loc[("CQT", "fault-filtered"), "10 genres"] == "52.4"
    assert frame.loc[("CQT", "grouped"), "10 genres"] == "60.0 +- 1.2"


@pytest.mark.parametrize(
    ("before", "after", "word"),
    [
        (56.0, 65.0, "raises"),
        (65.0, 56.0, "lowers"),
        # compared as printed: a difference that rounds away is no change
        (56.04, 56.01, "leaves unchanged"),
        (56.04, 56.06, "raises"),
    ],
)
def test_change_word_follows_the_printed_numbers(before, after, word):
    assert change_word(before, after) == word


def test_full_scale_table_puts_the_thesis_beside_ours():
    import pandas as pd

    published = pd.DataFrame(
        {"features": ["cqt", "sae"], "accuracy_mean": [56, 65], "accuracy_std": [5, 3.6]}
    )
    summaries = {
        "cqt": {"accuracy_mean": 61.234, "accuracy_std": 2.0},
        "sae": {"accuracy_mean": 70.0, "accuracy_std": 1.25},
    }
    frame = full_scale_frame(summaries, published)
    assert list(frame.index) == ["CQT frames", "Codes"]
    assert frame.to_dict("list") == {
        "ours, thesis protocol": ["61.2 +- 2.0", "70.0 +- 1.2"],
        "thesis (GTZAN)": ["56.0 +- 5.0", "65.0 +- 3.6"],
    }
