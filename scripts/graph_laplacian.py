"""Rule graph_laplacian: weights exp(-d / sigma), symmetrisation and the Laplacian."""

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from genrelearn.graph import adjacency, laplacian
from genrelearn.io import atomic_path, write_json
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        with np.load(snakemake.input.knn) as knn:
            indices, distances = knn["indices"], knn["distances"]
        W = adjacency(indices, distances, csigma=p.csigma, self_loops=p.self_loops)
        L = laplacian(W, kind=p.kind)
        with atomic_path(snakemake.output.laplacian, suffix=".npz") as tmp:
            sp.save_npz(tmp, L.tocsr())
        stats = {
            "n_vertices": int(W.shape[0]),
            "n_edges": int((W.nnz - (W.diagonal() != 0).sum()) // 2),
            "sigma": float(p.csigma * distances[:, -1].mean()),
            "mean_degree": float(np.asarray(W.sum(axis=1)).mean()),
            "kind": p.kind,
        }
        write_json(snakemake.output.stats, stats)
        log.info("graph: %s", stats)


if __name__ == "__main__":
    main()
