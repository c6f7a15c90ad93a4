"""Rule classify: SVM on the pooled vectors of a genre subset under one protocol."""

from typing import TYPE_CHECKING

import pandas as pd

from genrelearn.classify import evaluate
from genrelearn.io import write_csv, write_json
from genrelearn.logs import log_to_file
from genrelearn.pooling import load_pooled
from genrelearn.protocols import published_subsets
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        pooled = load_pooled(snakemake.input.vectors).select(list(p.genres))
        log.info(
            "%d vectors of %d clips, genres %s, protocol %s",
            len(pooled.vectors),
            len(pooled.track_ids),
            list(p.genres),
            p.protocol,
        )
        subsets = None
        if snakemake.input.split:
            per_clip = published_subsets(snakemake.input.split, pooled.track_ids)
            subsets = per_clip[pooled.clip]
            log.info(
                "published split: %s clips, %d left out",
                pd.Series(per_clip[per_clip != ""]).value_counts().to_dict(),
                int((per_clip == "").sum()),
            )
        result = evaluate(
            pooled.vectors,
            pooled.labels,
            pooled.clip,
            protocol=p.protocol,
            settings=dict(p.settings),
            scaling=p.scaling,
            svm=dict(p.svm),
            seed=p.seed,
            n_jobs=snakemake.threads,
            subsets=subsets,
        )
        write_csv(snakemake.output.scores, result.scores, float_format="%.6f")
        summary = result.summary()
        summary.update(
            feature=snakemake.wildcards.feature,
            n_genres=len(p.genres),
            genres=list(p.genres),
            protocol=p.protocol,
            n_clips=len(pooled.track_ids),
            n_vectors=len(pooled.vectors),
            svm=dict(p.svm),
            scaling=p.scaling,
        )
        write_json(snakemake.output.summary, summary)
        log.info(
            "accuracy %.1f +- %.1f %% (clip vote %.1f), %d splits",
            summary["accuracy_mean"],
            summary["accuracy_std"],
            summary["clip_accuracy_mean"],
            summary["n_splits"],
        )


if __name__ == "__main__":
    main()
