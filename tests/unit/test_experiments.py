import numpy as np
import pytest

from genrelearn.features.store import FrameSet
from genrelearn.io import write_json
from genrelearn.protocols import clip_folds
from genrelearn.sae.evaluation import join_parts, load_part, part_frames, sae_frames, split_parts
from genrelearn.sae.points import (
    make_point,
    parse_point_name,
    point_name,
    study_points,
    sweep_points,
    thesis_table_points,
)

BASE = {
    "noise": 0.0,
    "n_atoms": 128,
    "ld": 10.0,
    "lz": 1.0,
    "lg": 100.0,
    "le": 0.0,
    "rtol": 1e-5,
    "k": 11,
    "n_vectors": 6,
}


def test_point_names_round_trip_and_are_canonical():
    name = point_name("sae", {"noise": 0.1, "lg": 100})
    assert name == "sae_lg~100_noise~0.1"
    assert parse_point_name(name) == ("sae", {"lg": 100.0, "noise": 0.1})
    # a value equal to the base is the base point itself, computed once
    assert make_point("sae", {"lg": 100.0}, BASE)[0] == "sae"
    # the baseline ignores what it does not use
    name, params = make_point("cqt", {"noise": 0.2, "lg": 0}, BASE)
    assert name == "cqt_noise~0.2"
    assert set(params) == {"noise", "n_vectors", "model"}
    # without the graph term, K is not a parameter of the point
    name, params = make_point("sae", {"lg": 0, "k": 21}, BASE)
    assert name == "sae_lg~0" and "k" not in params
    with pytest.raises(ValueError, match="unknown point"):
        point_name("sae", {"sigma": 1})
    with pytest.raises(ValueError):
        parse_point_name("sae lg 100")


def test_study_points_deduplicate_sweeps_and_table():
    sweeps = sweep_points({"lg": [0, 100, 1000], "ld": [10]}, BASE)
    table = thesis_table_points([0.0, 0.1], [0.0, 100.0], BASE)
    points = study_points(BASE, sweeps, table)
    assert sorted(points) == sorted(
        [
            "sae",
            "sae_lg~0",
            "sae_lg~1000",
            "cqt",
            "cqt_noise~0.1",
            "sae_lg~0_noise~0.1",
            "sae_noise~0.1",
        ]
    )
    assert points["sae_lg~0_noise~0.1"]["lg"] == 0 and points["sae_lg~0_noise~0.1"]["ld"] == 10
    assert [label for _, label, _ in table] == ["cqt", "lg~0", "lg~100"] * 2


def frames(n_per_genre=4, rows=20):
    rng = np.random.default_rng(0)
    genres = ["a"] * n_per_genre + ["b"] * n_per_genre + ["c"] * n_per_genre
    clips = [rng.random((rows, 3)).astype(np.float32) * (i + 1) for i in range(len(genres))]
    ids = [f"{g}.{i}" for i, g in enumerate(genres)]
    fs = FrameSet.from_clips(clips, ids, genres, 43.0, {"params": {"stream_offset": 512}})
    return fs


def test_sae_frames_take_genres_and_frames_per_stream():
    fs = sae_frames(frames(), ["a", "b"], max_frames=3)
    assert fs.n_clips == 8
    assert (np.diff(fs.offsets) == 6).all()  # two interleaved streams


def test_fold_parts_scale_on_training_clips_only():
    fs = frames()
    folds = clip_folds(fs.genres, n_repeats=1, n_splits=2, seed=1)
    assert len(folds) == 2
    fold = folds[0].to_record()
    assert not set(fold["train"]) & set(fold["test"])
    fit, test = part_frames(fs, noise=0.0, noise_seed=1, train=fold["train"])
    assert fit.n_clips == len(fold["train"]) and test.n_clips == len(fold["test"])
    assert fit.frames.min() == pytest.approx(0) and fit.frames.max() == pytest.approx(1)
    # test clips use the training scaling: not re-normalised to [0, 1]
    raw = fs.take(np.array(fold["test"])).frames
    lo = fs.take(np.array(fold["train"])).frames.min(axis=0)
    hi = fs.take(np.array(fold["train"])).frames.max(axis=0)
    np.testing.assert_allclose(test.frames, (raw - lo) / (hi - lo), rtol=1e-5)
    joined = join_parts(fit, test)
    back_fit, back_test = split_parts(joined)
    np.testing.assert_array_equal(back_test.frames, test.frames)
    assert list(back_fit.track_ids) == list(fit.track_ids)


def test_noise_is_seeded():
    fs = frames()
    a, _ = part_frames(fs, noise=0.1, noise_seed=3)
    b, _ = part_frames(fs, noise=0.1, noise_seed=3)
    c, _ = part_frames(fs, noise=0.1, noise_seed=4)
    np.testing.assert_array_equal(a.frames, b.frames)
    assert not np.array_equal(a.frames, c.frames)


def test_load_part_reads_the_fold_from_the_splits_file(tmp_path):
    fs = frames()
    folds = clip_folds(fs.genres, n_repeats=1, n_splits=2, seed=1)
    path = tmp_path / "splits.json"
    write_json(path, [fold.to_record() for fold in folds])
    fit, test = load_part(fs, [0, 1], path, noise=0.1, noise_seed=3)
    expected_fit, expected_test = part_frames(fs, 0.1, 3, train=folds[1].train)
    np.testing.assert_array_equal(fit.frames, expected_fit.frames)
    np.testing.assert_array_equal(test.frames, expected_test.frames)
    whole, none = load_part(fs, None, None, noise=0.1, noise_seed=3)
    assert none is None and whole.n_clips == fs.n_clips
    with pytest.raises(ValueError, match=r"fold \[1, 0\] is not in the splits file"):
        load_part(fs, [1, 0], path, noise=0.1, noise_seed=3)
