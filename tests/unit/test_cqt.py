import librosa
import numpy as np
import pytest

from genrelearn.features.cqt import C2_HZ, cqt_frequencies, thesis_cqt

SR = 22050


def tone(freq: float, seconds: float = 4.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("note", ["A2", "E3", "C4", "A4", "G5"])
def test_pure_tone_lands_in_its_bin(note):
    freq = librosa.note_to_hz(note)
    spec = thesis_cqt(tone(freq), SR)
    expected = int(round(24 * np.log2(freq / C2_HZ)))
    middle = spec[len(spec) // 4 : 3 * len(spec) // 4]
    assert np.argmax(middle.mean(axis=0)) == expected
    assert np.isclose(cqt_frequencies()[expected], freq, rtol=1e-3)


def test_two_streams_interleaved_and_last_column_dropped():
    n = 660_000  # the thesis's truncation: 644 frames per stream
    y = np.random.default_rng(0).standard_normal(n).astype(np.float32) * 0.1
    spec = thesis_cqt(y, SR, max_frames=None)
    assert spec.shape == (2 * 644, 96)
    assert spec.dtype == np.float32
    assert (spec >= 0).all()
    single = thesis_cqt(y, SR, stream_offset=0)
    assert single.shape == (644, 96)
    # the aligned stream is the even rows of the interleaved sequence
    np.testing.assert_allclose(spec[0::2], single, rtol=1e-5, atol=1e-6)


def test_offset_stream_is_the_signal_shifted_by_512_samples():
    y = np.random.default_rng(1).standard_normal(4 * 22050).astype(np.float32)
    spec = thesis_cqt(y, SR)
    shifted = thesis_cqt(y[512:], SR, stream_offset=0)
    np.testing.assert_allclose(spec[1::2], shifted[: len(spec) // 2], rtol=1e-5, atol=1e-6)


def test_max_frames_keeps_a_prefix_of_each_stream():
    y = np.random.default_rng(2).standard_normal(5 * 22050).astype(np.float32)
    full = thesis_cqt(y, SR)
    cut = thesis_cqt(y, SR, max_frames=20)
    assert cut.shape == (40, 96)
    np.testing.assert_array_equal(cut, full[:40])


def test_rejects_stereo():
    with pytest.raises(ValueError, match="mono"):
        thesis_cqt(np.zeros((2, 1000), dtype=np.float32), SR)
