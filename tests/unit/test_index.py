import numpy as np
import pytest
import soundfile as sf

from genrelearn.data.index import AudioValidationError, build_index, find_clips, validate_clip

SR = 22050


def write(path, seconds=1.0, sr=SR, channels=1):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = 0.1 * np.random.default_rng(0).standard_normal((int(seconds * sr), channels))
    sf.write(path, data, sr, subtype="PCM_16")
    return path


def make_tree(root):
    for genre in ("blues", "rock"):
        for i in range(2):
            write(root / "genres" / genre / f"{genre}.{i:05d}.wav")
    (root / "genres" / "rock" / "rock.mf").write_text("list\n")
    (root / "genres" / "rock" / "._rock.00000.wav").write_bytes(b"\0\5\x16\x07")


def test_index_lists_valid_clips_and_ignores_non_clips(tmp_path):
    make_tree(tmp_path)
    tracks = build_index(tmp_path, ["blues", "rock"], SR).tracks
    assert list(tracks["track_id"]) == ["blues.00000", "blues.00001", "rock.00000", "rock.00001"]
    assert (tracks["sample_rate"] == SR).all()
    assert np.allclose(tracks["duration"], 1.0)
    assert list(tracks.columns[:5]) == ["track_id", "genre", "path", "duration", "sample_rate"]


def test_corrupt_file_is_named(tmp_path):
    make_tree(tmp_path)
    bad = tmp_path / "genres" / "blues" / "blues.00001.wav"
    bad.write_bytes(bad.read_bytes()[:60])  # truncated: the header outlives the data
    with pytest.raises(AudioValidationError, match=r"blues\.00001\.wav: lasts 0\.00 s"):
        build_index(tmp_path, ["blues", "rock"], SR, min_duration=0.5)
    bad.write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(AudioValidationError, match="cannot be decoded"):
        validate_clip(bad, SR)


def test_wrong_format_is_named(tmp_path):
    p = write(tmp_path / "x.wav", sr=16000)
    with pytest.raises(AudioValidationError, match="16000 Hz, expected 22050"):
        validate_clip(p, SR)
    p = write(tmp_path / "y.wav", channels=2)
    with pytest.raises(AudioValidationError, match="2 channels"):
        validate_clip(p, SR)
    p = write(tmp_path / "z.wav", seconds=0.5)
    with pytest.raises(AudioValidationError, match="outside the accepted"):
        validate_clip(p, SR, min_duration=1.0)


def test_missing_genre_folder(tmp_path):
    make_tree(tmp_path)
    with pytest.raises(FileNotFoundError, match="jazz"):
        find_clips(tmp_path, ["blues", "jazz"])


def test_invalid_clips_fail_or_are_skipped_by_policy(tmp_path):

    make_tree(tmp_path)
    write(tmp_path / "genres" / "rock" / "rock.00002.au", seconds=1.0)
    bad = tmp_path / "genres" / "blues" / "blues.00001.wav"
    bad.write_bytes(bad.read_bytes()[:30])
    with pytest.raises(AudioValidationError, match=r"blues\.00001\.wav: cannot be decoded"):
        build_index(tmp_path, ["blues", "rock"], SR)
    index = build_index(tmp_path, ["blues", "rock"], SR, invalid="skip")
    assert list(index.tracks["track_id"]) == [
        "blues.00000",
        "rock.00000",
        "rock.00001",
        "rock.00002",
    ]
    assert list(index.skipped["track_id"]) == ["blues.00001"]
    assert "cannot be decoded" in index.skipped["problem"].iloc[0]
    (tmp_path / "genres" / "blues" / "blues.00000.wav").write_bytes(b"junk")
    with pytest.raises(ValueError, match="every clip of blues is invalid"):
        build_index(tmp_path, ["blues", "rock"], SR, invalid="skip")
