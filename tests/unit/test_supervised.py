"""The supervised CNN/LSTM study: features, data loading, models, metrics, training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from genrelearn.features.beat_sync import beat_synchronous, fused, fused_beat
from genrelearn.features.sets import FEATURE_SETS
from genrelearn.features.store import FrameSet
from genrelearn.models.affect import run_affect
from genrelearn.models.cnn import CNNBackbone
from genrelearn.models.heads import SequenceModel, classification_loss, regression_loss
from genrelearn.models.lstm import LSTMBackbone
from genrelearn.models.metrics import classification_metrics, spearman, spearman_frame
from genrelearn.models.sequences import ClipSequences, feature_stats, pad_collate
from genrelearn.models.supervised import (
    clip_split,
    overfit_one_batch,
    parse_feature_set,
    run_classification,
)
from genrelearn.models.torch_setup import seed_everything

SR = 22050


pytestmark = pytest.mark.usefixtures("one_torch_thread")


SETTINGS = {
    "lr": 1e-2,
    "batch_size": 4,
    "epochs": 2,
    "patience": 5,
    "max_frames": 16,
    "cnn": {"channels": [2, 4], "feature_size": 8, "dropout": 0.0},
    "lstm": {"hidden_size": 8, "num_layers": 1, "bidirectional": True, "dropout": 0.0},
}


def toy_frames(n_per_class=4, dim=140, classes=("a", "b"), seed=0):
    rng = np.random.default_rng(seed)
    clips, ids, genres = [], [], []
    for c, genre in enumerate(classes):
        for i in range(n_per_class):
            length = int(rng.integers(5, 20))
            clips.append(rng.normal(c, 1.0, (length, dim)).astype(np.float32))
            ids.append(f"{genre}.{i:05d}")
            genres.append(genre)
    return FrameSet.from_clips(clips, ids, genres, 43.0)


def click_track(bpm=120.0, seconds=6.0):
    y = np.zeros(int(SR * seconds), dtype=np.float32)
    period = int(SR * 60 / bpm)
    rng = np.random.default_rng(0)
    for start in range(period // 2, len(y) - 500, period):
        y[start : start + 500] += rng.normal(0, 0.5, 500).astype(np.float32) * np.exp(
            -np.arange(500) / 80
        )
    return y + 0.01 * np.sin(2 * np.pi * 440 * np.arange(len(y)) / SR).astype(np.float32)


def test_pad_collate_pads_with_zeros_and_reports_true_lengths():
    items = [
        (torch.ones(3, 2), torch.tensor(0), 3),
        (2 * torch.ones(5, 2), torch.tensor(1), 5),
        (3 * torch.ones(1, 2), torch.tensor(2), 1),
    ]
    batch = pad_collate(items)
    assert batch.x.shape == (3, 5, 2)
    assert batch.lengths.tolist() == [3, 5, 1]
    assert batch.y.tolist() == [0, 1, 2]
    assert torch.all(batch.x[0, :3] == 1) and torch.all(batch.x[0, 3:] == 0)
    assert torch.all(batch.x[1] == 2)
    assert torch.all(batch.x[2, :1] == 3) and torch.all(batch.x[2, 1:] == 0)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_output_ignores_padding(bidirectional):
    # In float64: the batch below is another GEMM shape, whose float32 rounding would have to
    # be bounded; in float64 it is ~1e-16, far below atol.
    seed_everything(0)
    lstm = LSTMBackbone(6, hidden_size=5, bidirectional=bidirectional, dropout=0.0)
    lstm = lstm.double().eval()
    x = torch.randn(1, 7, 6).double()
    short = lstm(x, torch.tensor([7]))
    padded = torch.cat([x, 100 * torch.randn(1, 9, 6).double()], dim=1)  # junk, not even zeros
    long = lstm(padded, torch.tensor([7]))
    assert torch.allclose(short, long, atol=1e-6)
    # and inside a batch with a longer sequence
    other = torch.randn(1, 16, 6).double()
    both = lstm(torch.cat([padded, other]), torch.tensor([7, 16]))
    assert torch.allclose(both[0], short[0], atol=1e-6)
    assert lstm.feature_size == (10 if bidirectional else 5)


def test_lstm_last_step_is_the_forward_state_at_the_true_length():
    seed_everything(0)
    lstm = LSTMBackbone(3, hidden_size=4, dropout=0.0).double().eval()  # as above
    x = torch.randn(1, 6, 3).double()
    out, _ = lstm.lstm(x[:, :4])
    assert torch.allclose(lstm(x, torch.tensor([4])), out[:, -1], atol=1e-6)


def test_cnn_output_shape_and_padding_masked_in_time():
    seed_everything(0)
    cnn = CNNBackbone(12, channels=(4, 8, 8, 8), feature_size=5, dropout=0.0).eval()
    x = torch.randn(3, 21, 12)
    assert cnn(x, torch.tensor([21, 3, 1])).shape == (3, 5)
    # a 1-frame chroma clip survives four poolings
    assert cnn(torch.randn(1, 1, 12), torch.tensor([1])).shape == (1, 5)


@pytest.mark.parametrize("model", ["cnn", "lstm"])
@pytest.mark.parametrize("n_outputs", [1, 3, 10])
def test_model_output_shapes(model, n_outputs):
    from genrelearn.models.heads import make_backbone

    net = SequenceModel(make_backbone(model, 140, SETTINGS[model] | {}), n_outputs)
    x = torch.randn(4, 9, 140)
    assert net(x, torch.tensor([9, 5, 2, 1])).shape == (4, n_outputs)


def test_beat_synchronous_has_one_row_per_beat_interval_with_medians():
    frames = np.arange(20, dtype=np.float32)[:, None] * np.ones((1, 3), dtype=np.float32)
    out = beat_synchronous(frames, np.array([4, 9, 15]))
    assert out.shape == (4, 3)  # [0,4), [4,9), [9,15), [15,20)
    assert np.allclose(out[:, 0], [1.5, 6.0, 11.5, 17.0])
    assert beat_synchronous(frames, np.array([], dtype=int)).shape == (1, 3)


def test_fused_features_and_beat_tracking_on_a_click_track():
    y = click_track(bpm=120.0, seconds=6.0)
    raw = fused(y, SR)
    assert raw.shape == (1 + len(y) // 512, 140)
    assert raw[:, FEATURE_SETS["mel"]].max() == pytest.approx(0.0)  # dB re. max
    chroma = raw[:, FEATURE_SETS["chroma"]]
    assert chroma.min() >= 0 and chroma.max() <= 1 + 1e-6
    beat = fused_beat(y, SR)
    assert beat.shape[1] == 140
    # about 12 beats in 6 s at 120 BPM -> about 13 intervals
    assert 9 <= len(beat) <= 16
    assert len(beat) < len(raw) / 10


def test_dataset_reads_one_clip_standardises_and_crops():
    frames = toy_frames()
    clips = [0, 1, 4]
    mean, std = feature_stats(frames, clips, FEATURE_SETS["chroma"])
    ds = ClipSequences(
        frames, clips, np.arange(frames.n_clips), FEATURE_SETS["chroma"], mean, std, 6
    )
    assert len(ds) == 3 and ds.n_features == 12
    x, y, n = ds[2]
    assert y.item() == 4 and n == min(6, len(frames.clip(4))) and x.shape == (n, 12)
    # feature_stats sums in float64 and rounds to float32: compare with a float64 mean
    all_train = np.concatenate([frames.clip(i)[:, 128:] for i in clips]).astype(np.float64)
    assert np.allclose(mean, all_train.mean(axis=0), atol=1e-6)


def test_clip_split_is_disjoint_stratified_and_keeps_validation_in_training_folds():
    labels = np.repeat(np.arange(3), 10)
    split = clip_split(labels, seed=1, n_splits=5, val_fraction=0.25)
    parts = [set(split[k]) for k in ("train", "valid", "test")]
    assert set.union(*parts) == set(range(30)) and sum(map(len, parts)) == 30
    assert np.bincount(labels[split["test"]]).tolist() == [2, 2, 2]
    assert len(split["valid"]) == 6
    tiny = clip_split(np.repeat(np.arange(3), 4), seed=1, n_splits=3, val_fraction=0.25)
    assert sorted(np.repeat(np.arange(3), 4)[tiny["valid"]]) == [0, 1, 2]
    published = np.array(["train"] * 20 + ["valid"] * 4 + ["test"] * 4 + [""] * 2)
    fixed = clip_split(labels, 1, subsets=published)
    assert fixed["test"].tolist() == [24, 25, 26, 27]


def test_parse_feature_set():
    assert parse_feature_set("chroma_beat") == (True, FEATURE_SETS["chroma"])
    assert parse_feature_set("mel") == (False, FEATURE_SETS["mel"])
    with pytest.raises(ValueError, match="unknown feature set 'mfcc'"):
        parse_feature_set("mfcc")


@pytest.mark.parametrize("model", ["cnn", "lstm"])
def test_model_overfits_a_single_batch(model):
    from genrelearn.models.heads import make_backbone

    seed_everything(0)
    frames = toy_frames(n_per_class=4, dim=12, classes=("a", "b", "c", "d"))
    labels = np.repeat(np.arange(4), 4)
    # random labels: only memorisation drives the loss to zero
    labels = np.random.default_rng(1).permutation(labels)
    ds = ClipSequences(frames, np.arange(frames.n_clips), labels)
    batch = pad_collate([ds[i] for i in range(len(ds))])
    settings = SETTINGS[model] | {"hidden_size": 32, "channels": [8, 16], "feature_size": 32}
    net = SequenceModel(make_backbone(model, 12, settings), 4)
    losses = overfit_one_batch(net, batch, classification_loss, steps=80, lr=2e-2)
    assert losses[0] > 1.0
    assert losses[-1] < 0.05


def test_spearman_on_a_known_ranking():
    assert spearman([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4, 5], [5, 1, 0, -2, -9]) == pytest.approx(-1.0)
    # ranks (1,2,3,4) vs (2,1,4,3): d^2 = 4 -> 1 - 6*4/(4*15) = 0.6
    assert spearman([1, 2, 3, 4], [0.2, 0.1, 0.9, 0.5]) == pytest.approx(0.6)
    assert spearman([1, 2, 3], [1, 1, 1]) == 0.0
    frame = spearman_frame([{"mode": "scratch", "model": "cnn", "spearman": {"energy": 0.5}}])
    assert frame.to_dict("records") == [
        {"mode": "scratch", "model": "cnn", "target": "energy", "spearman": 0.5}
    ]


def test_classification_metrics_match_a_hand_count():
    m = classification_metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), ["a", "b"])
    assert m["accuracy"] == 0.75
    assert m["confusion"] == [[1, 1], [0, 2]]
    assert m["macro_precision"] == pytest.approx((1 + 2 / 3) / 2)
    assert m["per_class"]["a"]["recall"] == 0.5


def test_classification_and_affect_runs_end_to_end_are_deterministic():
    frames = toy_frames(n_per_class=6)
    split = clip_split(np.repeat([0, 1], 6), seed=1, n_splits=3, val_fraction=0.25)
    device = torch.device("cpu")
    run = run_classification(
        {False: frames}, "mel", "cnn", split, ["a", "b"], SETTINGS, device, seed=3
    )
    again = run_classification(
        {False: frames}, "mel", "cnn", split, ["a", "b"], SETTINGS, device, seed=3
    )
    assert run.metrics["accuracy"] == again.metrics["accuracy"]
    pd.testing.assert_frame_equal(
        run.history.drop(columns="seconds"), again.history.drop(columns="seconds")
    )
    assert len(run.predictions) == len(split["test"])
    targets = pd.DataFrame(
        {
            "energy": np.linspace(0, 1, 12),
            "danceability": np.linspace(1, 0, 12),
            "valence": np.r_[np.zeros(6), np.ones(6)],
        }
    )
    backbone = {k: v.clone() for k, v in run.model.backbone.state_dict().items()}
    runs = run_affect(
        frames, "mel", ["cnn"], targets, split, SETTINGS, device, 3, {"cnn": backbone}
    )
    modes = [r.metrics["mode"] for r in runs]
    assert modes.count("scratch") == 3 and modes.count("transfer") == 3
    assert modes.count("multitask") == 1
    multitask = runs[-1].metrics
    assert set(multitask["spearman"]) == {"energy", "danceability", "valence"}
    assert all(-1 <= r <= 1 for r in multitask["spearman"].values())


def test_regression_loss_sums_the_targets_mse():
    class Fixed(torch.nn.Module):
        def forward(self, x, lengths):
            return torch.zeros(len(x), 3)

    y = torch.tensor([[1.0, 2.0, 0.0], [1.0, 0.0, 0.0]])
    loss = regression_loss(Fixed(), (torch.zeros(2, 1, 1), y, torch.tensor([1, 1])))
    assert float(loss) == pytest.approx(1.0 + 2.0 + 0.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("model", ["cnn", "lstm"])
def test_gpu_forward_matches_cpu(model):
    from genrelearn.models.heads import make_backbone

    # In float64 on both sides: in float32 cuDNN may compute in TF32 (10-bit mantissa; its
    # default for convolutions and RNNs on Ampere and later), which atol does not allow for.
    seed_everything(0)
    net = SequenceModel(make_backbone(model, 12, SETTINGS[model]), 3).double().eval()
    x, lengths = torch.randn(4, 9, 12).double(), torch.tensor([9, 5, 2, 1])
    cpu = net(x, lengths)
    gpu = net.to("cuda")(x.cuda(), lengths.cuda()).cpu()
    assert torch.allclose(cpu, gpu, atol=1e-4)
