"""Rule sae_fit: learn a point's dictionary and codes on a part; code its held-out clips."""

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from genrelearn.features import load_frames, save_frames
from genrelearn.io import atomic_path, write_csv
from genrelearn.logs import log_to_file
from genrelearn.provenance import recorded
from genrelearn.sae.evaluation import join_parts, load_part
from genrelearn.sae.study import make_autoencoder, recode

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    point = dict(p.point)
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        fit_part, test_part = load_part(
            load_frames(snakemake.input.frames),
            p.fold,
            snakemake.input.splits or None,
            float(point["noise"]),
            p.noise_seed,
        )
        L = sp.load_npz(snakemake.input.laplacian) if snakemake.input.laplacian else None
        model = make_autoencoder(point, p.solver, n_jobs=p.n_jobs)
        log.info(
            "fitting %s on %d frames (held out: %d clips)",
            model,
            len(fit_part.frames),
            0 if test_part is None else test_part.n_clips,
        )
        codes = fit_part.with_frames(model.fit_transform(fit_part.frames, laplacian=L))
        test_codes = None
        if test_part is not None:
            test_codes = test_part.with_frames(model.transform(test_part.frames, method="lasso"))
            if p.train_codes == "transform":
                # Code the training clips as the test clips are coded (sparse coding with the
                # learned D, no graph), so the SVM is trained and tested on the same encoder.
                codes = fit_part.with_frames(recode(model, fit_part.frames, codes.frames))
        save_frames(snakemake.output.codes, join_parts(codes, test_codes), compress=True)
        with atomic_path(snakemake.output.model, suffix=".npz") as tmp:
            encoder = model.encoder_ if model.encoder_ is not None else np.zeros((0, 0))
            np.savez(tmp, dictionary=model.dictionary_, encoder=encoder)
        write_csv(snakemake.output.history, model.history_, float_format="%.8g")
        last = model.history_.iloc[-1]
        log.info(
            "done after %d outer iterations: objective %.6g, sparsity %.3f",
            model.n_iter_,
            last["objective"],
            last["sparsity"],
        )


if __name__ == "__main__":
    main()
