"""Rule index_tracks: decode and check every clip, write the track index."""

from typing import TYPE_CHECKING

from genrelearn.data.index import index_tracks
from genrelearn.io import atomic_path
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        tracks = index_tracks(
            snakemake.input.audio,
            p.genres,
            sample_rate=p.sample_rate,
            min_duration=p.min_duration,
            max_duration=p.max_duration,
        )
        with atomic_path(snakemake.output.tracks) as tmp:
            tracks.to_csv(tmp, index=False)
        log.info("indexed %d clips: %s", len(tracks), tracks.groupby("genre").size().to_dict())


main()
