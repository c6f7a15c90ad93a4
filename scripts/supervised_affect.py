"""Rule supervised_affect: affect regressors from scratch, by transfer, and multitask."""

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from genrelearn.features import load_frames
from genrelearn.io import write_csv, write_json
from genrelearn.logs import log_to_file
from genrelearn.models.affect import run_affect
from genrelearn.models.metrics import spearman_frame
from genrelearn.models.torch_setup import resolve_device, torch_threads
from genrelearn.provenance import recorded

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    out = snakemake.output
    with (
        log_to_file(snakemake.log[0]) as log,
        recorded(snakemake),
        torch_threads(p.n_jobs),
    ):
        device = resolve_device(p.device)
        split_table = pd.read_csv(snakemake.input.split)
        frames = load_frames(snakemake.input.frames).select(split_table["genre"].unique())
        metadata_path = Path(snakemake.input.audio) / "metadata.csv"
        metadata = pd.read_csv(metadata_path).set_index("track_id")
        missing = [t for t in p.targets if t not in metadata.columns]
        if missing:
            raise ValueError(f"{metadata_path} has no {missing} columns: affect targets need them")
        targets = metadata.reindex(frames.track_ids)[list(p.targets)]
        if targets.isna().any().any():
            raise ValueError(f"{metadata_path} lacks the attributes of some indexed clips")
        subset = split_table.set_index("track_id").reindex(frames.track_ids)["subset"].to_numpy()
        split = {part: np.flatnonzero(subset == part) for part in ("train", "valid", "test")}
        saved = torch.load(snakemake.input.backbones, weights_only=True)
        if saved["feature_set"] != p.feature_set:
            raise ValueError(
                f"{snakemake.input.backbones} holds {saved['feature_set']} backbones, expected "
                f"{p.feature_set}; rerun supervised_classify"
            )
        runs = run_affect(
            frames,
            p.feature_set,
            p.models,
            targets,
            split,
            p.settings,
            device,
            p.seed,
            saved["backbones"],
        )
        metrics = [r.metrics for r in runs]
        write_json(out.metrics, {"device": str(device), "runs": metrics})
        write_csv(out.spearman, spearman_frame(metrics), float_format="%.6g")
        write_csv(out.histories, pd.concat([r.history for r in runs]), float_format="%.6g")
        write_csv(out.predictions, pd.concat([r.predictions for r in runs]), float_format="%.6g")
        log.info("%d regressors trained", len(runs))


if __name__ == "__main__":
    main()
