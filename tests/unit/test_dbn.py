"""RBM, DBN, ConvRBM and convolutional VAE: learning, shapes, determinism, GPU path."""

import numpy as np
import pytest
import torch

from genrelearn.features.dft import dft_magnitude
from genrelearn.models.conv_rbm import POOLINGS, ConvRBM
from genrelearn.models.conv_vae import ConvVAE
from genrelearn.models.dbn import DBN, window_stats
from genrelearn.models.patches import clip_means, spectrogram_patches
from genrelearn.models.rbm import RBM, train_cd

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _binary_patterns(n=600, seed=0):
    rng = np.random.default_rng(seed)
    protos = (rng.random((4, 20)) > 0.5).astype(np.float32)
    X = protos[rng.integers(0, 4, n)]
    flip = rng.random(X.shape) < 0.05
    return np.where(flip, 1 - X, X).astype(np.float32)


def _toy_frames(n_per_class=150, dim=24, seed=0):
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 2, (3, dim))
    X = np.concatenate([m + rng.normal(0, 1, (n_per_class, dim)) for m in means])
    y = np.repeat(np.arange(3), n_per_class)
    return np.abs(X).astype(np.float32), y


def _patches(n=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1, (n, 1, 16, 8)).astype(np.float32)


def test_dft_frames_have_513_bins():
    y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    frames = dft_magnitude(y, 22050)
    assert frames.shape == (1 + (22050 - 1024) // 512, 513)
    assert np.argmax(frames.mean(axis=0)) == round(440 * 1024 / 22050)


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_cd_lowers_reconstruction_error_and_free_energy(visible):
    X = _binary_patterns()
    if visible == "gaussian":
        X = (X - X.mean(0)) / X.std(0)
    gen = torch.Generator().manual_seed(0)
    rbm = RBM(20, 16, visible, generator=gen)
    hist = train_cd(
        rbm, torch.from_numpy(X), epochs=15, lr=0.05, batch_size=32, generator=gen, progress=False
    )
    assert hist["train_loss"].iloc[-1] < 0.7 * hist["train_loss"].iloc[0]
    assert hist["free_energy"].iloc[-1] < hist["free_energy"].iloc[0]
    assert list(hist.columns) == ["epoch", "train_loss", "val_loss", "free_energy", "seconds"]


def test_dbn_shapes_seed_and_finetuning_beats_chance():
    X, y = _toy_frames()
    kw = dict(
        hidden=(12, 8, 6),
        pretrain_epochs=3,
        pretrain_lr=0.05,
        finetune_epochs=15,
        finetune_lr=0.1,
        batch_size=32,
        device="cpu",
        random_state=3,
    )
    dbn = DBN(**kw).fit(X)
    outs = dbn.layer_outputs(X)
    assert [o.shape for o in outs] == [(450, 12), (450, 8), (450, 6)]
    assert dbn.transform(X).shape == (450, 26)
    assert dbn.transform(X, layers=[2]).shape == (450, 8)
    assert set(dbn.pretrain_history_["layer"]) == {1, 2, 3}
    np.testing.assert_array_equal(DBN(**kw).fit(X).transform(X), dbn.transform(X))
    assert not np.array_equal(
        DBN(**{**kw, "random_state": 4}).fit(X).transform(X), dbn.transform(X)
    )
    val = np.arange(len(X)) % 5 == 0
    dbn.fine_tune(X[~val], y[~val], X[val], y[val])
    acc = np.mean(dbn.predict_proba(X[val]).argmax(1) == y[val])
    assert acc > 0.8  # chance: 1/3
    assert "val_loss" in dbn.finetune_history_


def test_window_stats_counts_windows_and_moments():
    feats = np.arange(20, dtype=np.float32)[:, None]
    vectors, clip = window_stats(feats, np.array([0, 12, 20]), window=5)
    assert clip.tolist() == [0, 0, 1]  # 12 frames: 2 windows; 8 frames: one window of all
    np.testing.assert_allclose(vectors[0], [2.0, 2.0])
    np.testing.assert_allclose(vectors[2], [np.mean(np.arange(12, 20)), np.var(np.arange(12, 20))])


def test_patches_cut_clips_and_average_back():
    frames = np.arange(2 * 10 * 3, dtype=np.float32).reshape(20, 3)
    patches, clip = spectrogram_patches(frames, np.array([0, 10, 20]), 4)
    assert patches.shape == (4, 1, 3, 4) and clip.tolist() == [0, 0, 1, 1]
    np.testing.assert_array_equal(patches[0, 0], frames[:4].T)
    assert clip_means(np.ones((4, 2)), clip, 2).shape == (2, 2)
    with pytest.raises(ValueError, match="patch_frames"):
        spectrogram_patches(frames, np.array([0, 2, 20]), 4)


def test_convrbm_learns_and_pools():
    X = _patches()
    settings = dict(
        n_filters=4, kernel=(5, 3), epochs=6, lr=0.01, batch_size=8, device="cpu", pool_size=2
    )
    model = ConvRBM(**settings, random_state=1).fit(X)
    assert model.history_["train_loss"].iloc[-1] < model.history_["train_loss"].iloc[0]
    out = model.transform_many(X, POOLINGS)
    assert out["flatten"].shape == (48, 4 * 12 * 6)
    assert out["global_avg"].shape == out["global_max"].shape == (48, 4)
    assert out["max"].shape == out["avg2d"].shape == (48, 4 * 6 * 3)
    means = model.transform_many(X, ["global_avg"], clip=np.repeat(np.arange(6), 8))
    np.testing.assert_allclose(means["global_avg"][0], out["global_avg"][:8].mean(0), rtol=1e-5)
    again = ConvRBM(**settings, random_state=1).fit(X)
    np.testing.assert_array_equal(again.transform(X), model.transform(X))


def test_vae_shapes_elbo_falls_and_seeded():
    X = _patches(96)
    kw = dict(
        latent=3,
        channels=(4, 8),
        epochs=8,
        lr=3e-3,
        batch_size=16,
        patience=0,
        device="cpu",
        random_state=2,
    )
    vae = ConvVAE(**kw).fit(X)
    assert vae.transform(X).shape == (96, 3)
    assert vae.history_["train_loss"].iloc[-1] < vae.history_["train_loss"].iloc[0]
    np.testing.assert_array_equal(ConvVAE(**kw).fit(X).transform(X), vae.transform(X))
    with pytest.raises(ValueError, match="divisible"):
        ConvVAE(**{**kw, "channels": (4, 8, 8, 8)}).fit(X)


@CUDA
def test_models_run_on_gpu():
    X, y = _toy_frames(40)
    dbn = DBN(hidden=(8, 4), pretrain_epochs=1, finetune_epochs=2, device="cuda").fit(X)
    dbn.fine_tune(X, y, X, y)
    assert dbn.predict_proba(X).shape == (120, 3)
    P = _patches(16)
    assert ConvRBM(n_filters=2, kernel=(3, 3), epochs=1, device="cuda").fit(P).transform(
        P
    ).shape == (16, 2)
    assert ConvVAE(latent=2, channels=(4,), epochs=1, device="cuda").fit(P).transform(P).shape == (
        16,
        2,
    )


def test_validation_clips_are_carved_per_genre_from_training_clips():
    from genrelearn.protocols import carve_validation, clip_folds

    genres = np.repeat(["a", "b", "c"], 6)
    folds = clip_folds(genres, 1, 3, seed=1)
    assert len(folds) == 3
    for _, _, train, test in folds:
        assert not set(train) & set(test)
        fit, val = carve_validation(genres[train], 0.2, seed=0)
        assert sorted(set(genres[train][val])) == ["a", "b", "c"]  # one clip per genre at least
        assert not set(fit) & set(val) and len(fit) + len(val) == len(train)
    with pytest.raises(ValueError, match="too few"):
        carve_validation(np.array(["a", "b", "a"]), 0.2, seed=0)
