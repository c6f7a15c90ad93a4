"""Rule cqt_codes: the CQT baseline of a point, scaled (and noisy) frames without learning."""

from typing import TYPE_CHECKING

from genrelearn.features import load_frames, save_frames
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded
from genrelearn.sae.evaluation import join_parts, load_part

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        fit_part, test_part = load_part(
            load_frames(snakemake.input.frames),
            p.fold,
            snakemake.input.splits or None,
            float(p.point["noise"]),
            p.noise_seed,
        )
        save_frames(snakemake.output.codes, join_parts(fit_part, test_part), compress=True)
        log.info("CQT frames of %d clips, noise %s", fit_part.n_clips, p.point["noise"])


if __name__ == "__main__":
    main()
