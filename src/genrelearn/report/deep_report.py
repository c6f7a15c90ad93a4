"""Tables of the deep generative learners (DBN, ConvRBM, convolutional VAE)."""

from __future__ import annotations

import pandas as pd

from genrelearn.report.macros import format_number
from genrelearn.report.tables import pm

#: Display names of the ConvRBM poolings (Jolif & Perkovic's column names).
POOLING_LABELS = {
    "flatten": "Flatten",
    "global_avg": "Global average",
    "max": "Max",
    "global_max": "Global max",
    "avg2d": "Average 2-D",
}
STAGE_LABELS = {"pretrained": "Pretrained", "fine-tuned": "Fine-tuned"}


def _cell(values: pd.Series) -> str:
    values = 100 * values.astype(float)
    if len(values) < 2:
        return format_number(float(values.mean()))
    return pm(float(values.mean()), float(values.std(ddof=0)))


def dbn_layer_frame(scores: pd.DataFrame, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clip accuracy (%, mean +- std over folds) by layer (rows) and stage (columns).

    ``published`` (columns ``layer``, ``accuracy``) adds a column of their numbers, labelled
    as theirs; rows absent from a stage are left empty.
    """
    layers = list(dict.fromkeys(scores["layer"]))
    table = pd.DataFrame(index=pd.Index([_layer_label(x) for x in layers], name="Features"))
    for stage, label in STAGE_LABELS.items():
        cells = []
        for layer in layers:
            part = scores[(scores["stage"] == stage) & (scores["layer"] == layer)]
            cells.append(_cell(part["clip_accuracy"]) if len(part) else "{--}")
        table[f"{label} (ours)"] = cells
    if published is not None:
        theirs = dict(zip(published["layer"], published["accuracy"], strict=True))
        table["Hamel \\& Eck 2010 (theirs)"] = [
            format_number(float(theirs[x])) if x in theirs else "{--}" for x in layers
        ]
    return table


def _layer_label(layer: str) -> str:
    if layer == "all":
        return "all layers"
    if layer == "frame vote":
        return "DBN frame vote"
    return f"layer {layer[1:]}"


def convrbm_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """Random-forest accuracy and macro F1 (%, mean +- std over folds) per pooling variant."""
    rows = {}
    for pooling, part in scores.groupby("pooling", sort=False):
        rows[POOLING_LABELS.get(pooling, pooling)] = {
            "Dimension": str(int(part["dim"].iloc[0])),
            "Accuracy": _cell(part["accuracy"]),
            "Macro F1": _cell(part["f1_macro"]),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "Pooling"
    return frame
