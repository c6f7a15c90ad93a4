"""The full-scale experiment of the structured auto-encoder: its table and its wording.

Pure functions of the two summaries (codes and raw CQT frames, thesis protocol) and of the
thesis's published numbers, so that every number and every comparative word of the paper's
paragraph comes from the results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from genrelearn.report.macros import format_number
from genrelearn.report.tables import pm

#: Rows of the table: (key of the summary and of the published file, label).
ROWS = (("cqt", "CQT frames"), ("sae", "Codes"))


def change_word(before: float, after: float, decimals: int = 1) -> str:
    """``raises``, ``lowers`` or ``leaves unchanged``: ``after`` against ``before``.

    The comparison is made on the values as the paper prints them (``decimals`` places), so
    that the word never contradicts the numbers beside it.

    Parameters
    ----------
    before, after : float
        The baseline's and the new value.
    decimals : int
        Decimals the paper prints.

    Returns
    -------
    str
        The verb phrase, for "the codes <word> the accuracy".
    """
    shown = float(format_number(after, decimals)) - float(format_number(before, decimals))
    if shown > 0:
        return "raises"
    if shown < 0:
        return "lowers"
    return "leaves unchanged"


def full_scale_frame(
    summaries: Mapping[str, Mapping[str, Any]], published: pd.DataFrame
) -> pd.DataFrame:
    """One row per feature (CQT frames, codes): ours (thesis protocol), and the thesis's.

    Parameters
    ----------
    summaries : mapping
        ``{"cqt": summary, "sae": summary}`` of the thesis-protocol classifications.
    published : pandas.DataFrame
        ``features, accuracy_mean, accuracy_std`` of the thesis (features ``cqt``, ``sae``).
    """
    theirs = published.set_index("features")
    out = []
    for key, label in ROWS:
        s = summaries[key]
        out.append(
            {
                "Features": label,
                "ours, thesis protocol": pm(s["accuracy_mean"], s["accuracy_std"]),
                "thesis (GTZAN)": pm(
                    float(theirs.loc[key, "accuracy_mean"]), float(theirs.loc[key, "accuracy_std"])
                ),
            }
        )
    return pd.DataFrame(out).set_index("Features")
