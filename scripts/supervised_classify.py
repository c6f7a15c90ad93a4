"""Rule supervised_classify: every CNN/LSTM genre classifier on every mel/chroma feature set."""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from genrelearn.features import load_frames
from genrelearn.io import atomic_path, write_csv, write_json
from genrelearn.logs import log_to_file
from genrelearn.models.heads import classification_loss
from genrelearn.models.supervised import (
    build_model,
    clip_split,
    make_datasets,
    make_loader,
    overfit_one_batch,
    parse_feature_set,
    run_classification,
)
from genrelearn.models.torch_setup import resolve_device, seed_everything, torch_threads
from genrelearn.protocols import published_subsets
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
        files = {
            False: load_frames(snakemake.input.fused).select(p.genres),
            True: load_frames(snakemake.input.fused_beat).select(p.genres),
        }
        if not np.array_equal(files[False].track_ids, files[True].track_ids):
            raise ValueError(
                f"{snakemake.input.fused} and {snakemake.input.fused_beat} list different clips; "
                "rebuild both feature files from the same track index"
            )
        frames = files[False]
        subsets = None
        if snakemake.input.split:
            subsets = published_subsets(snakemake.input.split, frames.track_ids)
        classes = sorted(p.genres)
        split = clip_split(frames.genres, p.seed, p.n_splits, p.val_fraction, subsets)
        log.info("split on %s: %s", device, {k: len(v) for k, v in split.items()})
        subset = np.full(frames.n_clips, "", dtype=object)
        for part, idx in split.items():
            subset[idx] = part
        write_csv(
            out.split,
            pd.DataFrame({"track_id": frames.track_ids, "genre": frames.genres, "subset": subset}),
        )
        runs, sanity, backbones = [], [], {}
        for feature_set in p.feature_sets:
            for model_name in p.models:
                if p.overfit_steps:
                    beat, columns = parse_feature_set(feature_set)
                    labels = np.array([classes.index(g) for g in files[beat].genres])
                    data = make_datasets(
                        files[beat], split, labels, columns, p.settings["max_frames"]
                    )
                    batch = next(
                        iter(make_loader(data["train"], p.settings["batch_size"], True, p.seed))
                    )
                    seed_everything(p.seed)
                    model = build_model(
                        model_name, data["train"].n_features, len(classes), p.settings
                    )
                    losses = overfit_one_batch(
                        model, batch, classification_loss, p.overfit_steps, device=device
                    )
                    log.info(
                        "overfit one batch %s/%s: loss %.4g -> %.4g",
                        model_name,
                        feature_set,
                        losses[0],
                        losses[-1],
                    )
                    sanity.append(
                        {
                            "run": f"{model_name}/{feature_set}",
                            "steps": len(losses),
                            "first_loss": losses[0],
                            "last_loss": losses[-1],
                        }
                    )
                run = run_classification(
                    files, feature_set, model_name, split, classes, p.settings, device, p.seed
                )
                runs.append(run)
                if feature_set == p.transfer_feature_set:
                    backbones[model_name] = {
                        k: v.detach().cpu() for k, v in run.model.backbone.state_dict().items()
                    }
        write_json(out.metrics, {"device": str(device), "runs": [r.metrics for r in runs]})
        write_csv(out.histories, pd.concat([r.history for r in runs]), float_format="%.6g")
        write_csv(out.predictions, pd.concat([r.predictions for r in runs]), float_format="%.6g")
        write_csv(
            out.sanity,
            pd.DataFrame(sanity, columns=["run", "steps", "first_loss", "last_loss"]),
            float_format="%.6g",
        )
        with atomic_path(out.backbones) as tmp:
            torch.save({"feature_set": p.transfer_feature_set, "backbones": backbones}, tmp)
        log.info("%d classifiers trained", len(runs))


if __name__ == "__main__":
    main()
