"""Rule random_cnn_features: every random-CNN front-end x seed on its 12 kHz input, one job.

Writes all vectors to one .npz (key ``<architecture>__seed<k>``) and, for the main accuracy
table, seed 0 of every architecture as results/<dataset>/learned/rcnn_<architecture>/vectors.npz.
"""

import time
from typing import TYPE_CHECKING

import numpy as np

from genrelearn.features import load_frames
from genrelearn.io import atomic_path, write_json
from genrelearn.logs import log_to_file
from genrelearn.models.random_cnn import INPUT_KINDS, RandomCNN, stack_clips
from genrelearn.models.torch_setup import resolve_device
from genrelearn.pooling import PooledSet, save_pooled
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log, recorded(snakemake):
        log.info("device %s", resolve_device(p.device))
        inputs, rates = {}, {}
        for kind in sorted({INPUT_KINDS[a] for a in p.architectures}):
            frames = load_frames(snakemake.input[kind])
            lengths = np.diff(frames.offsets)
            rows = int(lengths.min())
            if p.crop_seconds is not None:
                rows = min(rows, int(round(p.crop_seconds * frames.frame_rate)))
            inputs[kind] = (frames, stack_clips(frames, rows))
            rates[kind] = frames.frame_rate
            log.info(
                "%s: %d clips cropped to %d rows (%.2f s)",
                kind,
                frames.n_clips,
                rows,
                rows / frames.frame_rate,
            )
        track_ids = next(iter(inputs.values()))[0].track_ids
        genres = next(iter(inputs.values()))[0].genres
        for frames, _ in inputs.values():
            if not np.array_equal(frames.track_ids, track_ids):
                raise ValueError("the mel12k and wave12k feature files list different clips")
        arrays, meta = {}, {"architectures": {}, "seeds": list(range(p.n_seeds))}
        for arch in p.architectures:
            X = inputs[INPUT_KINDS[arch]][1]
            for seed in range(p.n_seeds):
                start = time.process_time()
                model = RandomCNN(
                    arch,
                    budget=p.budget,
                    random_state=seed,
                    batch_size=p.batch_size,
                    device=p.device,
                    frame_level_quirk=p.frame_level_quirk,
                    n_jobs=p.n_jobs,
                ).fit(X)
                arrays[f"{arch}__seed{seed}"] = model.transform(X)
                log.info(
                    "%s seed %d: %d dims, %.1f CPU s",
                    arch,
                    seed,
                    model.n_features_out_,
                    time.process_time() - start,
                )
            meta["architectures"][arch] = {
                "input": INPUT_KINDS[arch],
                "dim": int(model.n_features_out_),
                "seconds": float(X.shape[1] / rates[INPUT_KINDS[arch]]),
            }
        with atomic_path(snakemake.output.features, suffix=".npz") as tmp:
            np.savez(tmp, track_ids=track_ids, genres=genres, **arrays)
        write_json(snakemake.output.meta, meta)
        for arch in p.architectures:
            path = [v for v in snakemake.output.vectors if f"/rcnn_{arch}/" in v][0]
            save_pooled(
                path,
                PooledSet(
                    vectors=arrays[f"{arch}__seed0"],
                    clip=np.arange(len(track_ids)),
                    track_ids=track_ids,
                    genres=genres,
                    window=1,
                ),
            )


if __name__ == "__main__":
    main()
