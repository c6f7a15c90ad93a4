"""Rule deep_dbn_layers: per fold, pretrain and fine-tune a DBN; SVM by layer, frame vote."""

from typing import TYPE_CHECKING

from genrelearn.features import load_frames
from genrelearn.io import write_csv
from genrelearn.logs import log_to_file
from genrelearn.models.deep_generative import dbn_layer_study
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    out = snakemake.output
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        frames = load_frames(snakemake.input.frames)
        window = max(1, round(p.window_seconds * frames.frame_rate))
        dbn = {**p.dbn, "device": p.device, "n_jobs": p.n_jobs, "progress": True}
        scores, pretrain, finetune = dbn_layer_study(
            frames,
            dbn,
            window=window,
            frame_step=p.frame_step,
            n_repeats=p.folds["n_repeats"],
            n_splits=p.folds["n_splits"],
            valid_fraction=p.valid_fraction,
            scaling=p.scaling,
            svm=p.svm,
            seed=p.seed,
        )
        for path, frame in (
            (out.scores, scores),
            (out.pretrain, pretrain),
            (out.finetune, finetune),
        ):
            write_csv(path, frame, float_format="%.8g")
        summary = scores.groupby(["stage", "layer"], sort=False)["clip_accuracy"].mean()
        log.info("clip accuracy by stage and layer:\n%s", summary.to_string())


if __name__ == "__main__":
    main()
