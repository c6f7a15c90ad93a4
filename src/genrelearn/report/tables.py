"""Result tables as LaTeX, via pandas ``Styler.to_latex`` (booktabs rules, siunitx columns)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from genrelearn.report.macros import format_number

FEATURE_LABELS = {"cqt": "CQT", "mel": "log-mel", "mfcc": "MFCC", "sae": "structured AE"}
# DBN / ConvRBM / VAE rows of the main table
FEATURE_LABELS.update({"dbn": "DBN (all layers)", "convrbm": "ConvRBM", "vae": "Conv. VAE"})
#: Cell of a table for a (row, subset) that was not run.
MISSING_CELL = "{--}"
PROTOCOL_LABELS = {
    "grouped": "grouped",
    "thesis": "thesis (leaky)",
    "fault-filtered": "fault-filtered",
}


def pm(mean: float, std: float, decimals: int = 1) -> str:
    """``mean +- std`` as siunitx input."""
    return f"{format_number(mean, decimals)} +- {format_number(std, decimals)}"


def accuracy_frame(
    summaries: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    column: str = "accuracy",
) -> pd.DataFrame:
    """Table of ``mean +- std`` accuracy: rows (feature, protocol), columns genre-subset sizes.

    Rows keep the order of their first appearance in ``summaries``; a (row, subset) pair
    without a summary (a method run on some subsets only) gets :data:`MISSING_CELL`.

    Parameters
    ----------
    summaries : sequence of (key, summary)
        ``key`` has ``feature``, ``n_genres``, ``protocol``; ``summary`` is
        :meth:`genrelearn.classify.Evaluation.summary`.
    column : str
        ``accuracy`` (per vector) or ``clip_accuracy`` (majority vote per clip).
    """
    rows: dict[tuple[str, str], dict[str, str]] = {}
    sizes = sorted({int(k["n_genres"]) for k, _ in summaries})
    for key, summary in summaries:
        row = (
            FEATURE_LABELS.get(key["feature"], key["feature"]),
            PROTOCOL_LABELS.get(key["protocol"], key["protocol"]),
        )
        if summary.get("n_splits", 2) == 1:  # one test set (a published split): no spread
            cell = format_number(summary[f"{column}_mean"])
        else:
            cell = pm(summary[f"{column}_mean"], summary[f"{column}_std"])
        rows.setdefault(row, {})[f"{int(key['n_genres'])} genres"] = cell
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame = frame[[f"{n} genres" for n in sizes]].fillna(MISSING_CELL)
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["Feature", "Protocol"])
    return frame


def per_class_frame(summary: Mapping[str, Any]) -> pd.DataFrame:
    """Precision, recall and F1 (in %) per class, then macro and weighted averages."""
    report = summary["per_class"]
    order = list(summary["classes"]) + ["macro avg", "weighted avg"]
    frame = pd.DataFrame(
        {
            "Precision": [100 * report[c]["precision"] for c in order],
            "Recall": [100 * report[c]["recall"] for c in order],
            "F1": [100 * report[c]["f1"] for c in order],
        },
        index=pd.Index(order, name="Genre"),
    )
    return frame


def to_latex(
    frame: pd.DataFrame, column_format: str, decimals: int | None = None, escape_index: bool = True
) -> str:
    """Render ``frame`` as a booktabs ``tabular`` whose numeric columns are siunitx ``S``.

    Only the ``tabular`` environment is produced; the float, caption and label stay in the
    hand-written paper. With ``escape_index=False`` the row labels are taken as LaTeX (for
    labels that hold math, built by the caller).
    """
    styler = frame.style
    if decimals is not None:
        styler = styler.format(precision=decimals)
    if escape_index:
        styler = styler.format_index(escape="latex", axis=0)
    styler = styler.format_index(escape="latex", axis=1)
    return styler.to_latex(
        column_format=column_format, hrules=True, siunitx=True, multirow_align="naive"
    )


#: Columns of the synthetic-design table: (parameter, header, decimals) for ranges.
SYNTH_RANGES = (
    ("tempo", "Tempo (BPM)", 0),
    ("swing", "Swing", 2),
    ("drive", "Drive", 1),
    ("slope_db", "Slope (dB/oct)", 0),
    ("decay", "Decay (s)", 1),
    ("noise_db", "Noise (dB)", 0),
)
#: Categorical columns: (parameter, header); the table shows the most likely option.
SYNTH_CHOICES = (
    ("drum_pattern", "Drums"),
    ("mode", "Mode"),
    ("chord_vocab", "Chords"),
    ("comp_style", "Comping"),
    ("bass_style", "Bass"),
)


def synth_design_frames(
    genres: Sequence[str], spread: float = 1.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic genres' design: ranges of key continuous parameters, likeliest categories.

    Returns
    -------
    ranges : pandas.DataFrame
        One row per genre, ``[low, high]`` of the uniform distribution of each parameter of
        :data:`SYNTH_RANGES` (in math mode).
    choices : pandas.DataFrame
        One row per genre, the most likely option of each parameter of :data:`SYNTH_CHOICES`
        with its probability.
    """
    from genrelearn.data.synth import genre_distribution

    ranges_rows, choice_rows = {}, {}
    for genre in genres:
        ranges, tables = genre_distribution(genre, spread)
        ranges_rows[genre] = {
            header: f"$[{format_number(ranges[name][0], d)}, {format_number(ranges[name][1], d)}]$"
            for name, header, d in SYNTH_RANGES
        }
        choice_rows[genre] = {}
        for name, header in SYNTH_CHOICES:
            option, prob = max(tables[name].items(), key=lambda kv: kv[1])
            label = str(option).replace("_", " ")
            choice_rows[genre][header] = f"{label} ({format_number(100 * prob, 0)}\\,\\%)"
    frames = []
    for rows in (ranges_rows, choice_rows):
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "Genre"
        frames.append(frame)
    return frames[0], frames[1]


ATTRIBUTES = ("energy", "danceability", "valence")


def attribute_frame(metadata: pd.DataFrame) -> pd.DataFrame:
    """Mean +- std of each clip attribute per genre, as siunitx input."""
    grouped = metadata.groupby("genre")[list(ATTRIBUTES)]
    mean, std = grouped.mean(), grouped.std(ddof=0)
    frame = pd.DataFrame(
        {
            name.capitalize(): [pm(mean.loc[g, name], std.loc[g, name], 2) for g in mean.index]
            for name in ATTRIBUTES
        },
        index=pd.Index(mean.index, name="Genre"),
    )
    return frame


# randomly weighted CNNs (seed 0) and their MFCC baseline (rules/deep.smk)
FEATURE_LABELS.update(
    {
        "rcnn_vgg": "random CNN, VGG",
        "rcnn_vertical_7x86": "random CNN, 7x86",
        "rcnn_vertical_7x96": "random CNN, 7x96",
        "rcnn_timbral": "random CNN, timbral",
        "rcnn_temporal": "random CNN, temporal",
        "rcnn_timbral_temporal": "random CNN, timbral+temporal",
        "rcnn_sample_level": "random CNN, sample-level",
        "rcnn_frame_level": "random CNN, frame-level",
        "rcnn_frame_level_many": "random CNN, frame-level many",
    }
)
