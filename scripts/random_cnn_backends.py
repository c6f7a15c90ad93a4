"""Rule random_cnn_backends: SVM and ELM on every random-CNN feature set and the MFCC baseline.

For each protocol, architecture and seed the hyper-parameters are chosen on a validation part of
the training data (genrelearn.models.backends), the chosen model is refit and scored once on the
test clips. One row per (protocol, method, seed, back-end, split) in scores.csv.
"""

import time
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_config

from genrelearn.features import load_frames
from genrelearn.io import write_csv, write_json
from genrelearn.logs import log_to_file
from genrelearn.models.backends import backend_splits, elm_grid, evaluate_backends, svm_grid
from genrelearn.protocols import published_subsets
from genrelearn.provenance import recorded
from genrelearn.workers import explain_worker_death

if TYPE_CHECKING:
    from snakemake.script import snakemake


def _score(X, labels, splits, grids, scaling, seed, keys):
    start = time.process_time()
    rows = evaluate_backends(X, labels, splits, grids, scaling=scaling, seed=seed)
    for key, value in keys.items():
        rows[key] = value
    rows["cpu_seconds"] = time.process_time() - start
    return rows


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        with np.load(snakemake.input.features, allow_pickle=False) as data:
            track_ids = data["track_ids"]
            genres = data["genres"]
            sets = {k: data[k] for k in data.files if "__seed" in k}
        mfcc = load_frames(snakemake.input.mfcc)
        if not np.array_equal(mfcc.track_ids, track_ids):
            raise ValueError(
                f"{snakemake.input.mfcc} and {snakemake.input.features} list "
                "different clips; rerun their rules"
            )
        sets["mfcc120__seed0"] = mfcc.frames
        subsets = None
        if snakemake.input.split:
            subsets = published_subsets(snakemake.input.split, track_ids)
        grids = {
            "svm": svm_grid(p.svm["C"], p.svm["gamma"], bool(p.svm["linear"])),
            "elm": elm_grid(p.elm["n_hidden"]),
        }
        tasks = []
        for protocol in p.protocols:
            splits = backend_splits(protocol, genres, p.grouped, p.seed, subsets)
            log.info("%s: %d splits", protocol, len(splits))
            for key, X in sets.items():
                method, seed = key.split("__seed")
                keys = {"protocol": protocol, "method": method, "seed": int(seed)}
                tasks.append(delayed(_score)(X, genres, splits, grids, p.scaling, int(seed), keys))
        # One BLAS thread per worker: the workers already use every core the job has.
        with (
            parallel_config(backend="loky", inner_max_num_threads=1),
            explain_worker_death(f"the back-ends of {len(tasks)} feature sets"),
        ):
            frames = Parallel(n_jobs=snakemake.threads)(tasks)
        scores = pd.concat(frames, ignore_index=True)
        order = ["protocol", "method", "seed", "backend", "repeat", "fold"]
        scores = scores[order + [c for c in scores.columns if c not in order]]
        write_csv(snakemake.output.scores, scores, float_format="%.4f")
        summary = []
        for (protocol, method, backend), g in scores.groupby(
            ["protocol", "method", "backend"], sort=False
        ):
            seed_means = g.groupby("seed")["accuracy"].mean()
            summary.append(
                {
                    "protocol": protocol,
                    "method": method,
                    "backend": backend,
                    "accuracy_mean": float(g["accuracy"].mean()),
                    "accuracy_std": float(g["accuracy"].std(ddof=0)),
                    "seed_std": float(seed_means.std(ddof=0)),
                    "n_seeds": int(g["seed"].nunique()),
                    "n_scores": len(g),
                    "dim": int(sets[f"{method}__seed0"].shape[1]),
                    "params": g["params"].value_counts().index[0],
                }
            )
            log.info(
                "%s %s %s: %.1f +- %.1f %%",
                protocol,
                method,
                backend,
                summary[-1]["accuracy_mean"],
                summary[-1]["accuracy_std"],
            )
        write_json(
            snakemake.output.summary,
            {
                "n_clips": int(len(track_ids)),
                "classes": sorted(set(genres.tolist())),
                "protocols": list(p.protocols),
                "grouped": dict(p.grouped),
                "rows": summary,
            },
        )


if __name__ == "__main__":
    main()
