"""Rule knn_search: K nearest neighbours of every frame of a part (the expensive graph step)."""

from typing import TYPE_CHECKING

import numpy as np

from genrelearn.features import load_frames
from genrelearn.graph import knn_search
from genrelearn.io import atomic_path
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded
from genrelearn.sae.evaluation import load_part

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        part, _ = load_part(
            load_frames(snakemake.input.frames),
            p.fold,
            snakemake.input.splits or None,
            float(p.noise),
            p.noise_seed,
        )
        result = knn_search(
            part.frames, k=int(p.k), backend=p.backend, n_jobs=snakemake.threads, seed=p.seed
        )
        with atomic_path(snakemake.output.knn, suffix=".npz") as tmp:
            np.savez(
                tmp,
                indices=result.indices,
                distances=result.distances,
                backend=np.asarray(result.backend),
                seconds=np.float64(result.seconds),
            )
        log.info(
            "kNN of %d frames, k=%s, backend %s: %.1f s",
            len(part.frames),
            p.k,
            result.backend,
            result.seconds,
        )


if __name__ == "__main__":
    main()
