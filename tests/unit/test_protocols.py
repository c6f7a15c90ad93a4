import numpy as np
import pytest

from genrelearn.classify import evaluate, per_class_report
from genrelearn.protocols import grouped_splits, make_splits, thesis_splits


def toy(n_clips_per_class=12, n_classes=3, per_clip=12, seed=0):
    rng = np.random.default_rng(seed)
    labels, clips, vectors = [], [], []
    for c in range(n_classes):
        for k in range(n_clips_per_class):
            clip = c * n_clips_per_class + k
            centre = rng.normal(size=8) + 2.0 * c
            vectors.append(centre + 0.3 * rng.normal(size=(per_clip, 8)))
            labels += [f"g{c}"] * per_clip
            clips += [clip] * per_clip
    return np.concatenate(vectors), np.array(labels), np.array(clips)


def test_grouped_never_puts_a_clip_in_train_and_test():
    _, labels, clips = toy()
    splits = grouped_splits(labels, clips, n_repeats=3, n_splits=4, seed=1)
    assert len(splits) == 12
    for _, _, train, test in splits:
        assert not set(clips[train]) & set(clips[test])
        assert set(labels[test]) == set(labels)  # stratified: every class in every fold
    # every clip is tested exactly once per repetition
    for rep in range(3):
        tested = np.concatenate([clips[t] for r, _, _, t in splits if r == rep])
        assert sorted(set(tested)) == sorted(set(clips))
        assert len(tested) == len(clips)


def test_thesis_splits_leak_clips_as_in_the_original():
    _, labels, clips = toy()
    splits = thesis_splits(len(labels), n_repeats=2, n_splits=10, test_size=0.1, seed=1)
    assert len(splits) == 20
    assert all(len(test) == int(np.ceil(0.1 * len(labels))) for *_, test in splits)
    leaks = [bool(set(clips[train]) & set(clips[test])) for _, _, train, test in splits]
    assert all(leaks)


def test_splits_are_deterministic_for_a_seed():
    _, labels, clips = toy()
    a = make_splits("grouped", labels, clips, {"n_repeats": 2, "n_splits": 3}, seed=5)
    b = make_splits("grouped", labels, clips, {"n_repeats": 2, "n_splits": 3}, seed=5)
    c = make_splits("grouped", labels, clips, {"n_repeats": 2, "n_splits": 3}, seed=6)
    assert all((x[3] == y[3]).all() for x, y in zip(a, b, strict=True))
    assert any((x[3] != y[3]).any() for x, y in zip(a, c, strict=True))


def test_grouped_refuses_more_folds_than_clips():
    _, labels, clips = toy(n_clips_per_class=3)
    with pytest.raises(ValueError, match="n_splits"):
        grouped_splits(labels, clips, n_splits=4)


def test_evaluate_separable_and_leak_visible():
    vectors, labels, clips = toy(seed=3)
    settings = {"n_repeats": 2, "n_splits": 4}
    result = evaluate(vectors, labels, clips, "grouped", settings, seed=1)
    summary = result.summary()
    assert summary["accuracy_mean"] > 90
    assert result.confusion.sum() == 2 * len(labels)  # each vector tested once per repeat
    assert summary["classes"] == ["g0", "g1", "g2"]
    # with labels shuffled per clip, grouped accuracy falls to chance
    rng = np.random.default_rng(0)
    clip_labels = labels[np.searchsorted(clips, np.unique(clips))]
    shuffled = rng.permutation(clip_labels)[clips]
    chance = evaluate(vectors, shuffled, clips, "grouped", settings, seed=1).summary()
    assert chance["accuracy_mean"] < 60


def test_per_class_report_from_confusion():
    confusion = np.array([[8, 2], [1, 9]])
    report = per_class_report(confusion, ["a", "b"])
    assert report["a"]["precision"] == pytest.approx(8 / 9)
    assert report["a"]["recall"] == pytest.approx(0.8)
    assert report["b"]["f1"] == pytest.approx(2 * (9 / 11) * 0.9 / (9 / 11 + 0.9))
    assert report["macro avg"]["recall"] == pytest.approx(0.85)
    assert report["weighted avg"]["support"] == 20


def test_fault_filtered_selects_c_on_valid_and_scores_test_once():
    from genrelearn.protocols import predefined_split

    rng = np.random.default_rng(0)
    n_clips, per_clip = 24, 4
    genres = np.array(["a", "b"] * (n_clips // 2))
    centres = {"a": np.zeros(3), "b": np.ones(3)}
    clips = np.repeat(np.arange(n_clips), per_clip)
    X = np.stack([centres[genres[c]] + 0.3 * rng.standard_normal(3) for c in clips])
    per_clip_subset = np.array((["train"] * 4 + ["valid"] * 2 + ["test"] * 2) * 3)
    per_clip_subset[-2:] = ""  # left out by the split
    result = evaluate(
        X,
        genres[clips],
        clips,
        "fault-filtered",
        {"C": [0.001, 1.0, 100.0]},
        subsets=per_clip_subset[clips],
    )
    summary = result.summary()
    assert summary["n_splits"] == 1 and summary["accuracy_std"] == 0
    assert summary["selected_C"] in (0.001, 1.0, 100.0)
    assert set(summary["valid_accuracy"]) == {"0.001", "1", "100"}
    assert summary["subset_clips"] == {"train": 12, "valid": 6, "test": 4}
    assert result.scores["n_test"].iloc[0] == 4 * per_clip
    with pytest.raises(ValueError, match="no valid samples"):
        predefined_split(np.array(["train", "test"]))
