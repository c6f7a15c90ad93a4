import pandas as pd
import pytest

from genrelearn.data.gtzan import fault_filtered_split, read_split_list


def lists(tmp_path, **content):
    out = {}
    for subset in ("train", "valid", "test"):
        path = tmp_path / f"{subset}_filtered.txt"
        path.write_text(content.get(subset, ""))
        out[subset] = path
    return out


def test_split_joins_lists_with_the_index(tmp_path):
    paths = lists(
        tmp_path,
        train="blues/blues.00000.wav\njazz/jazz.00054.wav\nrock/rock.00001.wav\n",
        valid="blues/blues.00001.wav\n",
        test="blues/blues.00002.wav\n",
    )
    tracks = pd.DataFrame(
        {
            "track_id": ["blues.00000", "blues.00001", "blues.00002", "blues.00003", "rock.00001"],
            "genre": ["blues"] * 4 + ["rock"],
        }
    )
    split = fault_filtered_split(paths, tracks, ["blues", "jazz"])
    assert split.counts() == {"train": 1, "valid": 1, "test": 1}
    assert split.missing == ["jazz.00054"]  # listed, not indexed (e.g. skipped as corrupt)
    assert split.excluded == 1  # blues.00003: in no list
    assert list(split.assignments.columns) == ["track_id", "genre", "subset"]


def test_bad_line_and_overlap_are_named(tmp_path):
    paths = lists(tmp_path, train="blues/blues.00000.wav\nnot a clip\n")
    with pytest.raises(ValueError, match=r"train_filtered.txt, line 2: 'not a clip'"):
        read_split_list(paths["train"])
    paths = lists(tmp_path, train="blues/blues.00000.wav\n", test="blues/blues.00000.wav\n")
    with pytest.raises(ValueError, match="blues.00000 is also listed in train"):
        fault_filtered_split(paths, pd.DataFrame({"track_id": [], "genre": []}), ["blues"])
