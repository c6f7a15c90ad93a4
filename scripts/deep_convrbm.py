"""Rule deep_convrbm: ConvRBM on all clips' mel patches; random forest per pooling variant."""

from typing import TYPE_CHECKING

from genrelearn.features import load_frames
from genrelearn.io import write_csv
from genrelearn.logs import log_to_file
from genrelearn.models.deep_generative import convrbm_study
from genrelearn.pooling import save_pooled
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    out = snakemake.output
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        frames = load_frames(snakemake.input.frames)
        model = {
            k: p.convrbm[k]
            for k in (
                "n_filters",
                "kernel",
                "epochs",
                "lr",
                "momentum",
                "cd_k",
                "batch_size",
                "pool_size",
            )
        }
        model.update(device=p.device, n_jobs=p.n_jobs, progress=True)
        scores, pooled, history, _ = convrbm_study(
            frames,
            model,
            patch_frames=p.convrbm["patch_frames"],
            main_pooling=p.convrbm["main_pooling"],
            forest_trees=p.convrbm["forest_trees"],
            n_repeats=p.folds["n_repeats"],
            n_splits=p.folds["n_splits"],
            seed=p.seed,
            n_jobs=snakemake.threads,
        )
        save_pooled(out.vectors, pooled)
        write_csv(out.scores, scores, float_format="%.8g")
        write_csv(out.history, history, float_format="%.8g")
        log.info(
            "random forest accuracy by pooling:\n%s",
            scores.groupby("pooling", sort=False)["accuracy"].mean().to_string(),
        )


if __name__ == "__main__":
    main()
