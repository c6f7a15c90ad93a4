"""Random CNN front-ends: seeded, shaped as the budget says; their 12 kHz inputs; back-ends."""

import numpy as np
import pytest
import torch

from genrelearn.features.extract import EXTRACTORS, frame_rate
from genrelearn.features.pons import log_mel_12k, mfcc_stats, waveform_12k
from genrelearn.features.store import FrameSet
from genrelearn.models.backends import backend_splits, make_backend, select_and_refit, svm_grid
from genrelearn.models.random_cnn import (
    ARCHITECTURES,
    INPUT_KINDS,
    RandomCNN,
    filters_per_layer,
    output_dim,
    stack_clips,
)
from genrelearn.models.random_cnn_specs import MIN_LENGTH

torch.set_num_threads(1)
RNG = np.random.default_rng(0)
MEL = RNG.normal(-40.0, 10.0, (3, 160, 96)).astype(np.float32)  # 3 clips of 3.4 s at 12 kHz
WAVE = RNG.normal(0.0, 0.1, (3, 12000)).astype(np.float32)  # 3 clips of 1 s


def _input(arch):
    return MEL if INPUT_KINDS[arch] == "mel12k" else WAVE


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_same_seed_same_features_other_seed_other_features(arch):
    X = _input(arch)
    a = RandomCNN(arch, budget=56, random_state=3, device="cpu").fit(X).transform(X)
    b = RandomCNN(arch, budget=56, random_state=3, device="cpu").fit(X).transform(X)
    c = RandomCNN(arch, budget=56, random_state=4, device="cpu").fit(X).transform(X)
    batched = (
        RandomCNN(arch, budget=56, random_state=3, device="cpu", batch_size=2).fit(X).transform(X)
    )
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(batched, a, rtol=1e-4, atol=1e-6)  # batching: rounding only
    assert not np.allclose(a, c)
    assert np.isfinite(a).all() and a.std() > 0


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("quirk", [False, True])
def test_output_dimension_matches_the_budget_formula(arch, quirk):
    X = _input(arch)
    budget = 112
    out = RandomCNN(arch, budget=budget, device="cpu", frame_level_quirk=quirk).fit(X)
    assert out.transform(X).shape == (3, output_dim(arch, budget, quirk))
    n = filters_per_layer(arch, budget)
    expected = {
        "vgg": 5 * n,
        "vertical_7x86": n,
        "vertical_7x96": n,
        "timbral": 14 * n,
        "temporal": (n - n // 4) + (2 * n - n // 4) + (4 * n - n // 4) + (8 * n - n // 4),
        "sample_level": 7 * n,
        "frame_level": n + 3 if quirk else 4 * n,
        "frame_level_many": 5 * n + 3 if quirk else 8 * n,
    }
    if arch == "timbral_temporal":
        assert output_dim(arch, budget, quirk) == 14 * n + output_dim("temporal", 14 * n)
    else:
        assert output_dim(arch, budget, quirk) == expected[arch]


def test_the_studys_budget_gives_the_studys_widths():
    widths = {a: filters_per_layer(a, 3585) for a in ARCHITECTURES}
    assert widths["vgg"] == 717 and widths["vertical_7x96"] == 3585
    assert widths["timbral"] == 256 and widths["timbral_temporal"] == 128
    assert widths["sample_level"] == 512 and widths["frame_level"] == 896
    assert widths["frame_level_many"] == 448
    assert output_dim("timbral", 3585) == output_dim("temporal", 3585) == 3584


def test_bad_input_and_architecture_are_named():
    with pytest.raises(ValueError, match="unknown architecture 'alexnet'"):
        RandomCNN("alexnet").fit(MEL)
    with pytest.raises(ValueError, match="reads the wave12k feature"):
        RandomCNN("sample_level", device="cpu").fit(MEL)
    with pytest.raises(ValueError, match="too small"):
        filters_per_layer("timbral_temporal", 20)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_shortest_clip_is_the_first_convolutions_extent(arch):
    shortest = MIN_LENGTH.get(arch, 1)
    X = _input(arch)[:, : shortest + 1]
    model = RandomCNN(arch, budget=56, device="cpu")
    assert model.fit(X[:, :shortest]).transform(X[:, :shortest]).shape[0] == len(X)
    if shortest > 1:
        with pytest.raises(ValueError, match=f"at least {shortest}"):
            model.fit(X[:, : shortest - 1])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_features_match_cpu_features(monkeypatch):
    # Full float32 on the GPU: cuDNN's default TF32 convolutions (10-bit mantissa, on Ampere and
    # later GPUs) would be compared with float32 at rounding-level tolerances. In float32 both
    # sides differ by rounding only, as batch sizes do on the CPU (about 1e-5 relative, above).
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    for arch in ("vgg", "frame_level"):
        X = _input(arch)
        cpu = RandomCNN(arch, budget=56, random_state=1, device="cpu").fit(X).transform(X)
        gpu = RandomCNN(arch, budget=56, random_state=1, device="cuda").fit(X).transform(X)
        np.testing.assert_allclose(gpu, cpu, rtol=1e-3, atol=1e-4)


def test_inputs_at_12khz():
    sr = 22050
    t = np.arange(2 * sr) / sr
    y = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    mel = log_mel_12k(y, sr)
    assert mel.shape[1] == 96 and abs(mel.shape[0] - (24000 // 256 + 1)) <= 1
    assert mel.max() - mel.min() <= 80.0 + 1e-3  # top_db
    wave = waveform_12k(y, sr)
    assert wave.shape[1] == 1 and abs(len(wave) - 24000) <= 1
    assert frame_rate("wave12k", {"target_rate": 12000}, sr) == 12000
    assert frame_rate("mel12k", {"target_rate": 12000, "hop_length": 256}, sr) == 12000 / 256
    stats = mfcc_stats(y, sr)
    assert stats.shape == (1, 120) and np.isfinite(stats).all()
    assert (stats[0, 60:] >= 0).all()  # standard deviations
    assert {"mel12k", "wave12k", "mfcc120"} <= set(EXTRACTORS)


def test_stack_clips_crops_and_pads():
    clips = [np.ones((5, 2)), 2 * np.ones((3, 2))]
    frames = FrameSet.from_clips(clips, ["a", "b"], ["x", "y"], 1.0)
    assert stack_clips(frames).shape == (2, 3, 2)
    padded = stack_clips(frames, 4)
    assert padded.shape == (2, 4, 2) and padded[1, 3].sum() == 0 and padded[1, 2, 0] == 2


def _blobs(n_per_class=30, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    centers = 3 * rng.normal(size=(3, dim))
    X = np.concatenate([c + rng.normal(size=(n_per_class, dim)) for c in centers])
    return X, np.repeat(np.array(["a", "b", "c"]), n_per_class)


def test_svm_grid_is_chosen_on_validation_only():
    X, y = _blobs()
    rng = np.random.default_rng(1)
    idx = rng.permutation(len(y))
    fit, valid, test = idx[:40], idx[40:60], idx[60:]
    grid = svm_grid([0.1, 2.0, 8.0], [0.5, 0.01, "auto"])
    _, chosen, score = select_and_refit(make_backend("svm"), grid, X, y, fit, valid, fit)
    # Permuting the test clips' labels (or their features) changes nothing that is chosen.
    y_perm, X_perm = y.copy(), X.copy()
    y_perm[test] = rng.permutation(y[test])
    X_perm[test] = rng.normal(size=X[test].shape)
    _, chosen2, score2 = select_and_refit(
        make_backend("svm"), grid, X_perm, y_perm, fit, valid, fit
    )
    assert chosen == chosen2 and score == score2
    # ... but the validation labels do.
    y_val = y.copy()
    y_val[valid] = "a"
    _, chosen3, score3 = select_and_refit(make_backend("svm"), grid, X, y_val, fit, valid, fit)
    assert score3 != score


def test_grouped_backend_splits_keep_validation_inside_training():
    y = np.repeat(np.array(["a", "b", "c"]), 10)
    splits = backend_splits("grouped", y, {"n_repeats": 2, "n_splits": 5, "valid_size": 0.25})
    assert len(splits) == 10
    for s in splits:
        assert set(s["fit"]) | set(s["valid"]) == set(s["refit"])
        assert not set(s["fit"]) & set(s["valid"])
        assert not set(s["refit"]) & set(s["test"])
        assert len(set(y[s["valid"]])) == 3  # stratified
    subsets = np.array(["train"] * 12 + ["valid"] * 9 + ["test"] * 6 + [""] * 3)
    (ff,) = backend_splits("fault-filtered", y, {}, subsets=subsets)
    assert len(ff["refit"]) == 12 and len(ff["valid"]) == 9 and len(ff["test"]) == 6
    with pytest.raises(ValueError, match="not 'thesis'"):
        backend_splits("thesis", y, {})


def _summary(protocols=("grouped",)):
    rows = []
    for protocol in protocols:
        for method, base in (("vgg", 60.0), ("frame_level", 40.0), ("mfcc120", 50.0)):
            for backend, shift in (("svm", 5.0), ("elm", 0.0)):
                rows.append(
                    {
                        "protocol": protocol,
                        "method": method,
                        "backend": backend,
                        "accuracy_mean": base + shift,
                        "accuracy_std": 2.0,
                        "n_scores": 1 if protocol == "fault-filtered" else 10,
                        "dim": 120 if method == "mfcc120" else 125,
                    }
                )
    return {
        "rows": rows,
        "protocols": list(protocols),
        "n_clips": 400,
        "classes": list("abcdefghij"),
        "grouped": {"n_repeats": 1, "n_splits": 5, "valid_size": 0.2},
    }


def test_report_shows_published_numbers_only_when_given():
    import pandas as pd

    from genrelearn.report.random_cnn_report import macros, results_frame

    settings = {
        "budget": 128,
        "n_seeds": 2,
        "crop_seconds": 6.0,
        "architectures": ["vgg", "frame_level"],
        "frame_level_quirk": False,
        "scaling": "standard",
    }
    ours = results_frame(_summary())
    assert list(ours.columns) == ["grouped SVM", "grouped ELM", "Dim."]
    assert ours.loc[r"VGG $3\times3$", "grouped SVM"] == "65.0 +- 2.0"
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    published = pd.read_csv(repo / "paper" / "published" / "pons2018_gtzan_ff.csv")
    ff = results_frame(_summary(("fault-filtered",)), published)
    assert ff.loc[r"VGG $3\times3$", "SVM (Pons \\& Serra)"] == "59.7"
    assert ff.loc[r"VGG $3\times3$", "fault-filtered SVM"] == "65.0"  # one test set: no spread
    assert ff.loc["MFCC (120)", "ELM (Pons \\& Serra)"] == ""
    m = macros(_summary(), settings, False, ["rcnn_vgg"])
    assert m["RcnnAccMfccOneHundredTwentySvm"] == "55.0" and m["RcnnBestSvmArch"].startswith("VGG")
    assert m["RcnnSvmWins"] == "2" and m["RcnnBeatMfcc"] == "1"
    assert "not comparable" in m["RcnnPublishedNote"] and "VGG" in m["RcnnMainTableNote"]
    assert all(name.isalpha() for name in m)


def test_report_settings_follow_the_configuration():
    """The paper's description of inputs and grids comes from the config, not typed text."""
    from genrelearn.report.random_cnn_report import macros

    settings = {
        "budget": 128,
        "n_seeds": 2,
        "crop_seconds": None,
        "architectures": ["vgg"],
        "frame_level_quirk": True,
        "scaling": "none",
        "mel12k": {
            "target_rate": 12000,
            "n_fft": 512,
            "hop_length": 256,
            "n_mels": 96,
            "fmin": 0.0,
            "fmax": 6000.0,
        },
        "mfcc120": {"target_rate": 16000, "n_mfcc": 13, "n_fft": 2048, "hop_length": 512},
        "svm": {"C": [0.1, 2.0], "gamma": [0.125, 2.0**-13, "auto"], "linear": False},
        "elm": {"n_hidden": [2500, 100, 250]},
    }
    m = macros(_summary(), settings, False)
    assert (m["RcnnRateKhz"], m["RcnnNfft"], m["RcnnHop"], m["RcnnBands"]) == (
        "12",
        "512",
        "256",
        "96",
    )
    assert m["RcnnFmaxKhz"] == "6" and m["RcnnSvmC"] == "0.1, 2"
    assert m["RcnnSvmGamma"] == "2^{-3}, 2^{-13}, 1/d"
    assert m["RcnnSvmKernels"] == "an RBF kernel" and m["RcnnElmHidden"] == "100 to 2500"
    assert (m["RcnnMfccN"], m["RcnnMfccDims"], m["RcnnMfccRateKhz"]) == ("13", "78", "16")
    assert m["RcnnQuirk"] == "reproduce" and m["RcnnCrop"] == "the whole clip"
