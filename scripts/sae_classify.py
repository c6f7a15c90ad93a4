"""Rule sae_classify: pool a point's codes and score the SVM under one protocol."""

from typing import TYPE_CHECKING

from genrelearn.classify import evaluate
from genrelearn.features import load_frames
from genrelearn.io import write_csv, write_json
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded
from genrelearn.sae.evaluation import classifier_scaling, evaluate_folds, pooled_codes, split_parts

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    point = dict(p.point)
    scaling = classifier_scaling(point["model"])
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        if p.protocol == "thesis":
            pooled = pooled_codes(load_frames(snakemake.input.codes[0]), point["n_vectors"])
            result = evaluate(
                pooled.vectors,
                pooled.labels,
                pooled.clip,
                "thesis",
                dict(p.settings),
                scaling=scaling,
                svm=dict(p.svm),
                seed=p.seed,
                n_jobs=snakemake.threads,
            )
        else:
            folds = []
            for part, path in zip(p.parts, snakemake.input.codes, strict=True):
                train, test = split_parts(load_frames(path))
                rep, fold = (int(x) for x in part[1:].split("f"))
                folds.append(
                    (
                        (rep, fold),
                        pooled_codes(train, point["n_vectors"]),
                        pooled_codes(test, point["n_vectors"]),
                    )
                )
            result = evaluate_folds(folds, scaling, dict(p.svm))
        write_csv(snakemake.output.scores, result.scores, float_format="%.6f")
        summary = result.summary()
        summary.update(
            point=snakemake.wildcards.point,
            params=point,
            protocol=p.protocol,
            scaling=scaling,
            svm=dict(p.svm),
        )
        write_json(snakemake.output.summary, summary)
        log.info(
            "%s %s: accuracy %.1f +- %.1f %%",
            snakemake.wildcards.point,
            p.protocol,
            summary["accuracy_mean"],
            summary["accuracy_std"],
        )


if __name__ == "__main__":
    main()
