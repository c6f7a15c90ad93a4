"""Rule index_tracks: decode and check every clip, write the track index."""

from typing import TYPE_CHECKING

from genrelearn.data.index import AudioValidationError, build_index
from genrelearn.io import write_csv
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        try:
            index = build_index(
                snakemake.input.audio,
                p.genres,
                sample_rate=p.sample_rate,
                min_duration=p.min_duration,
                max_duration=p.max_duration,
                invalid=p.invalid_clips,
            )
        except AudioValidationError as err:
            raise AudioValidationError(
                err.path,
                f"{err.problem}. To leave invalid clips out instead (they are then listed in "
                "this log and counted in the paper), set dataset.invalid_clips: skip",
            ) from err
        for row in index.skipped.itertuples():
            log.warning("skipped %s: %s", row.path, row.problem)
        write_csv(snakemake.output.tracks, index.tracks)
        write_csv(snakemake.output.skipped, index.skipped)
        tracks = index.tracks
        log.info(
            "indexed %d clips: %s; %d invalid clips skipped",
            len(tracks),
            tracks.groupby("genre").size().to_dict(),
            len(index.skipped),
        )


if __name__ == "__main__":
    main()
