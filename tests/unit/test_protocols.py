import json

import numpy as np
import pandas as pd
import pytest

from genrelearn.classify import (
    evaluate,
    fit_and_score,
    fit_and_score_held_out,
    make_classifier,
    per_class_report,
)
from genrelearn.protocols import (
    Split,
    carve_validation,
    clip_folds,
    grouped_splits,
    make_splits,
    published_subsets,
    thesis_splits,
)


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
    with pytest.raises(ValueError, match="lower classify.grouped.n_splits"):
        make_splits("grouped", labels, clips, {"n_repeats": 1, "n_splits": 4}, seed=1)


def clip_genres(counts=(7, 5, 9), seed=0):
    genres = np.repeat([f"g{i}" for i in range(len(counts))], counts)
    return np.random.default_rng(seed).permutation(genres)


def test_clip_folds_are_stratified_disjoint_and_cover_every_clip_once_per_repeat():
    genres = clip_genres()
    folds = clip_folds(genres, n_repeats=2, n_splits=3, seed=4)
    assert [(f.repeat, f.fold) for f in folds] == [(r, f) for r in range(2) for f in range(3)]
    for split in folds:
        assert isinstance(split, Split)
        assert not set(split.train) & set(split.test)
        assert len(split.train) + len(split.test) == len(genres)
        assert (np.diff(split.train) > 0).all() and (np.diff(split.test) > 0).all()
        # stratified: each genre's test share is within one clip of its share over all clips
        for genre, count in zip(*np.unique(genres, return_counts=True), strict=True):
            assert abs((genres[split.test] == genre).sum() - count / 3) < 1
    for rep in range(2):
        tested = np.concatenate([f.test for f in folds if f.repeat == rep])
        assert sorted(tested) == list(range(len(genres)))


def test_clip_folds_are_determined_by_the_seed_and_round_trip_through_json():
    genres = clip_genres()
    a, b = clip_folds(genres, 2, 3, seed=4), clip_folds(genres, 2, 3, seed=4)
    assert all(np.array_equal(x.test, y.test) for x, y in zip(a, b, strict=True))
    c = clip_folds(genres, 2, 3, seed=5)
    assert any(not np.array_equal(x.test, y.test) for x, y in zip(a, c, strict=True))
    records = json.loads(json.dumps([f.to_record() for f in a]))
    assert records[0].keys() == {"repeat", "fold", "train", "test"}
    back = [Split.from_record(r) for r in records]
    for x, y in zip(a, back, strict=True):
        assert (x.repeat, x.fold) == (y.repeat, y.fold)
        assert np.array_equal(x.train, y.train) and np.array_equal(x.test, y.test)


def test_clip_folds_name_the_callers_setting_when_a_genre_has_too_few_clips():
    with pytest.raises(ValueError, match=r"class 'g1' has 2 clips.*lower deep\.folds\.n_splits"):
        clip_folds(clip_genres((4, 2)), 1, 3, seed=1, config_key="deep.folds.n_splits")


def test_carve_validation_is_stratified_disjoint_and_keeps_a_clip_per_genre():
    genres = clip_genres((8, 4, 12))
    fit, valid = carve_validation(genres, 0.25, seed=3)
    assert len(valid) == round(0.25 * len(genres)) == 6
    assert sorted(np.concatenate([fit, valid])) == list(range(len(genres)))
    assert (np.diff(fit) > 0).all() and (np.diff(valid) > 0).all()
    assert {g: (genres[valid] == g).sum() for g in ("g0", "g1", "g2")} == {
        "g0": 2,
        "g1": 1,
        "g2": 3,
    }
    again = carve_validation(genres, 0.25, seed=3)
    assert np.array_equal(again[1], valid)
    # a tiny share still holds out one clip per genre
    _, few = carve_validation(genres, 0.01, seed=3)
    assert sorted(genres[few]) == ["g0", "g1", "g2"]


def test_carve_validation_names_the_callers_setting_when_clips_are_too_few():
    with pytest.raises(ValueError, match=r"3 training clips are too few.*supervised\.n_splits"):
        carve_validation(np.array(["a", "b", "a"]), 0.2, seed=0, config_key="supervised.n_splits")


def test_published_subsets_map_the_split_file_onto_clips(tmp_path):
    path = tmp_path / "split.csv"
    pd.DataFrame(
        {"track_id": ["a.1", "a.2", "b.1", "z.9"], "subset": ["train", "valid", "test", "test"]}
    ).to_csv(path, index=False)
    subsets = published_subsets(path, np.array(["b.1", "a.1", "c.3", "a.2"]))
    assert subsets.tolist() == ["test", "train", "", "valid"]  # c.3 is left out, z.9 unused


def test_held_out_scoring_is_fit_and_score_on_the_stacked_sets():
    rng = np.random.default_rng(0)
    clips_train, clips_test = np.repeat(np.arange(6), 3), np.repeat(np.arange(4), 2)
    y_train, y_test = np.arange(6)[clips_train] % 2, np.array([0, 1, 1, 0])[clips_test]
    X_train = rng.normal(size=(18, 3)) + y_train[:, None]
    X_test = rng.normal(size=(8, 3)) + y_test[:, None]
    model = make_classifier("minmax")
    row, confusion = fit_and_score_held_out(
        model, (X_train, y_train, clips_train), (X_test, y_test, clips_test), 2, repeat=1, fold=2
    )
    X = np.concatenate([X_train, X_test])
    y = np.concatenate([y_train, y_test])
    clips = np.concatenate([clips_train, clips_test + 6])
    split = Split(1, 2, np.arange(18), np.arange(18, 26))
    expected, expected_confusion = fit_and_score(model, X, y, clips, split, 2)
    assert row == expected and row["n_test"] == 8
    assert np.array_equal(confusion, expected_confusion)


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
