"""Rule gtzan_split: verify the fault-filtered lists and assign the indexed clips to subsets."""

from typing import TYPE_CHECKING

import pandas as pd

from genrelearn.data.download import verify_file
from genrelearn.data.gtzan import SUBSETS, fault_filtered_split
from genrelearn.io import write_csv, write_json
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        lists = {subset: snakemake.input[subset] for subset in SUBSETS}
        for subset, path in lists.items():
            verify_file(path, {"md5": p.md5[subset]})
        split = fault_filtered_split(lists, pd.read_csv(snakemake.input.tracks), p.genres)
        write_csv(snakemake.output.split, split.assignments)
        counts = split.counts()
        write_json(
            snakemake.output.summary,
            {
                "counts": counts,
                "per_genre": {
                    genre: {s: int(n) for s, n in group["subset"].value_counts().items()}
                    for genre, group in split.assignments.groupby("genre")
                },
                "missing": split.missing,
                "excluded": split.excluded,
            },
        )
        log.info("fault-filtered split: %s", counts)
        log.info("%d indexed clips are in no list (left out by the split)", split.excluded)
        for track_id in split.missing:
            log.warning("%s is listed but not indexed (invalid or absent): left out", track_id)


if __name__ == "__main__":
    main()
