import numpy as np
import pytest

from genrelearn.features.store import FrameSet
from genrelearn.pooling import pool_clip, pool_frameset, window_length, window_starts


def test_window_length_matches_the_thesis():
    # 644 frames per stream -> T = 1288, L = floor(1288 / 6.5) = 198 (about 4.6 s)
    assert window_length(1288, 6) == 198
    # the thesis tables: 149 frames per stream -> L = 45
    assert window_length(298, 6) == 45


@pytest.mark.parametrize("n_frames", [30, 100, 298, 1288, 1289])
@pytest.mark.parametrize("n_vectors", [1, 3, 6, 10])
def test_windows_fit_inside_the_clip(n_frames, n_vectors):
    if n_frames < n_vectors + 1:
        return
    length = window_length(n_frames, n_vectors)
    starts = window_starts(n_frames, n_vectors)
    assert len(starts) == 2 * n_vectors
    assert starts[0] == 0
    assert starts[n_vectors] == length // 2
    assert (np.diff(starts[:n_vectors]) == length).all()
    assert starts.max() + length <= n_frames


def test_sum_abs_pooling_values():
    frames = np.arange(26 * 2, dtype=np.float32).reshape(26, 2) - 10
    out = pool_clip(frames, n_vectors=2, method="sum_abs")
    length = window_length(26, 2)  # floor(26 / 2.5) = 10
    assert length == 10
    assert out.shape == (4, 2)
    np.testing.assert_allclose(out[0], np.abs(frames[0:10]).sum(axis=0))
    np.testing.assert_allclose(out[1], np.abs(frames[10:20]).sum(axis=0))
    np.testing.assert_allclose(out[2], np.abs(frames[5:15]).sum(axis=0))
    np.testing.assert_allclose(out[3], np.abs(frames[15:25]).sum(axis=0))


def test_mean_std_pooling_doubles_dimension():
    frames = np.random.default_rng(0).standard_normal((65, 3)).astype(np.float32)
    out = pool_clip(frames, n_vectors=6, method="mean_std")
    assert out.shape == (12, 6)
    # pool_clip computes in float64 and rounds to float32 (relative error <= 2**-24); the
    # references are float64 too (a float32 mean of mixed-sign values has no relative bound).
    ref = frames[:10].astype(np.float64)
    np.testing.assert_allclose(out[0, :3], ref.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(out[0, 3:], ref.std(axis=0), rtol=1e-6)


def test_pool_frameset_tracks_clips_and_selects_genres():
    rng = np.random.default_rng(0)
    clips = [rng.random((60 + i, 4)).astype(np.float32) for i in range(4)]
    fs = FrameSet.from_clips(clips, ["a.0", "a.1", "b.0", "c.0"], ["a", "a", "b", "c"], 43.0)
    pooled = pool_frameset(fs, n_vectors=6)
    assert pooled.vectors.shape == (4 * 12, 4)
    assert (np.bincount(pooled.clip) == 12).all()
    np.testing.assert_allclose(pooled.vectors[12:24], pool_clip(clips[1]))
    sub = pooled.select(["a", "c"])
    assert list(sub.track_ids) == ["a.0", "a.1", "c.0"]
    assert list(np.unique(sub.clip)) == [0, 1, 2]
    np.testing.assert_allclose(sub.vectors[24:], pool_clip(clips[3]))
    assert list(sub.labels[::12]) == ["a", "a", "c"]


def test_too_short_clip_is_an_error():
    with pytest.raises(ValueError, match="too few"):
        window_length(3, 6)


def test_pooled_set_round_trips_with_its_frame_rate(tmp_path):
    from genrelearn.pooling import load_pooled, save_pooled

    clips = [np.ones((70, 2), dtype=np.float32), np.zeros((70, 2), dtype=np.float32)]
    pooled = pool_frameset(FrameSet.from_clips(clips, ["a.0", "b.0"], ["a", "b"], 43.07))
    save_pooled(str(tmp_path / "v.npz"), pooled)
    back = load_pooled(str(tmp_path / "v.npz"))
    assert back.frame_rate == pytest.approx(43.07)
    assert back.window == pooled.window == 10
    np.testing.assert_array_equal(back.vectors, pooled.vectors)
