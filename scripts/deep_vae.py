"""Rule deep_vae: convolutional VAE on all clips' mel patches; logistic regression probe."""

from typing import TYPE_CHECKING

from genrelearn.features import load_frames
from genrelearn.io import write_csv
from genrelearn.logs import log_to_file
from genrelearn.models.deep_generative import vae_study
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
            k: p.vae[k] for k in ("latent", "channels", "epochs", "lr", "batch_size", "patience")
        }
        model.update(
            valid_fraction=p.valid_fraction,
            device=p.device,
            n_jobs=p.n_jobs,
            progress=True,
        )
        scores, pooled, history = vae_study(
            frames,
            model,
            patch_frames=p.vae["patch_frames"],
            logreg_C=p.vae["logreg_C"],
            n_repeats=p.folds["n_repeats"],
            n_splits=p.folds["n_splits"],
            seed=p.seed,
        )
        save_pooled(out.vectors, pooled)
        write_csv(out.scores, scores, float_format="%.8g")
        write_csv(out.history, history, float_format="%.8g")
        log.info("logistic regression accuracy %.3f", scores["accuracy"].mean())


if __name__ == "__main__":
    main()
