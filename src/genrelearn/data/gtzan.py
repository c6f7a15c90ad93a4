"""GTZAN: its genres, and the fault-filtered train/valid/test split of Kereliuk et al. (2015).

The split comes as three list files (``train_filtered.txt``, ``valid_filtered.txt``,
``test_filtered.txt``), one clip per line as ``<genre>/<genre>.NNNNN.wav``, relative to
``genres/``. It keeps artists disjoint across subsets and leaves out repetitions, mislabellings
and distortions (930 of GTZAN's 1000 clips: 443 / 197 / 290). Downloading and verifying the
files is :mod:`genrelearn.data.download`'s job; here they are parsed and joined with the track
index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SUBSETS = ("train", "valid", "test")
_LINE = re.compile(r"^(?P<genre>[a-z]+)/(?P<id>(?P=genre)\.\d{5})\.(?:wav|au)$")


def read_split_list(path: str | Path) -> list[str]:
    """Track ids (``blues.00029``) listed in a split file, in file order.

    Raises
    ------
    ValueError
        At the first line that is not ``<genre>/<genre>.NNNNN.wav``, naming file and line.
    """
    ids = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if not match:
            raise ValueError(
                f"{path}, line {number}: {line!r} is not <genre>/<genre>.NNNNN.wav; "
                "is this a fault-filtered split list?"
            )
        ids.append(match["id"])
    return ids


@dataclass
class FaultFilteredSplit:
    """The fault-filtered split joined with the clips actually indexed.

    Attributes
    ----------
    assignments : pandas.DataFrame
        ``track_id``, ``genre``, ``subset`` of every indexed clip of the selected genres that a
        list names, sorted by track id.
    missing : list of str
        Listed clips of the selected genres that are not in the index (skipped as invalid, or
        absent from the copy).
    excluded : int
        Indexed clips of the selected genres that no list names (the faulty ones).
    """

    assignments: pd.DataFrame
    missing: list[str] = field(default_factory=list)
    excluded: int = 0

    def counts(self) -> dict[str, int]:
        """Clips per subset."""
        sizes = self.assignments["subset"].value_counts()
        return {s: int(sizes.get(s, 0)) for s in SUBSETS}


def fault_filtered_split(
    lists: Mapping[str, str | Path], tracks: pd.DataFrame, genres: Sequence[str]
) -> FaultFilteredSplit:
    """Assign every indexed clip of ``genres`` to ``train``, ``valid`` or ``test``.

    Parameters
    ----------
    lists : mapping
        ``{subset: list file}`` for the three subsets.
    tracks : pandas.DataFrame
        The track index (``track_id``, ``genre``, ...).
    genres : sequence of str
        Genres studied; listed clips of other genres are ignored.

    Raises
    ------
    ValueError
        If a subset's list is missing, or a clip is listed twice (within or across lists).
    """
    if set(lists) != set(SUBSETS):
        raise ValueError(f"need the lists of {SUBSETS}, got {sorted(lists)}")
    owner: dict[str, str] = {}
    for subset in SUBSETS:
        for track_id in read_split_list(lists[subset]):
            if track_id in owner:
                raise ValueError(
                    f"{lists[subset]}: {track_id} is also listed in {owner[track_id]}; "
                    "the split lists must be disjoint"
                )
            owner[track_id] = subset
    genres = set(genres)
    selected = tracks[tracks["genre"].isin(genres)]
    indexed = set(selected["track_id"])
    listed = {t: s for t, s in owner.items() if t.split(".")[0] in genres}
    rows = selected[selected["track_id"].isin(listed)][["track_id", "genre"]].copy()
    rows["subset"] = rows["track_id"].map(listed)
    rows = rows.sort_values("track_id").reset_index(drop=True)
    return FaultFilteredSplit(
        assignments=rows,
        missing=sorted(set(listed) - indexed),
        excluded=len(indexed - set(listed)),
    )
