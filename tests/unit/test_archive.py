import io
import tarfile

import pytest
from gtzan_fixture import build_archive

from genrelearn.data.archive import UnsafeArchiveError, classify_member, extract_clips


def write(tmp_path, tiny):
    path = tmp_path / "genres.tar.gz"
    path.write_bytes(tiny.archive)
    return path


def test_extracts_clips_and_skips_appledouble_and_lists(tmp_path):
    tiny = build_archive(clips_per_genre=2)
    counts = extract_clips(write(tmp_path, tiny), tmp_path / "out" / "audio")
    files = sorted(
        p.relative_to(tmp_path / "out" / "audio").as_posix()
        for p in (tmp_path / "out" / "audio").rglob("*")
        if p.is_file()
    )
    assert files == sorted(f"genres/{t.split('.')[0]}/{t}.{e}" for t, e in tiny.clips.items())
    assert counts["clip"] == 6 and counts["appledouble"] == 2 and counts["mf"] == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["audio"]


@pytest.mark.parametrize(
    ("kind", "name", "problem"),
    [
        ("dotdot", "genres/../../evil.txt", "has a '..' component"),
        ("dotdot", "/tmp/evil.txt", "has an absolute path"),
        ("symlink", "genres/blues/blues.00009.wav", "is a symbolic link"),
        ("hardlink", "genres/blues/blues.00009.wav", "is a hard link"),
    ],
)
def test_hostile_members_refuse_the_whole_archive(tmp_path, kind, name, problem):
    tiny = build_archive(clips_per_genre=1, extra=((kind, name),))
    dest = tmp_path / "out" / "audio"
    with pytest.raises(UnsafeArchiveError, match=problem):
        extract_clips(write(tmp_path, tiny), dest)
    assert list((tmp_path / "out").iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_device_and_empty_archive_are_refused(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("genres/blues/dev")
        info.type = tarfile.CHRTYPE
        tar.addfile(info)
    (tmp_path / "a.tar").write_bytes(buf.getvalue())
    with pytest.raises(UnsafeArchiveError, match="is a device"):
        extract_clips(tmp_path / "a.tar", tmp_path / "out")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.addfile(tarfile.TarInfo("README"))
    (tmp_path / "b.tar").write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="no clip found"):
        extract_clips(tmp_path / "b.tar", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_member_classification():
    assert classify_member("genres_original/jazz/jazz.00054.wav") == (
        "clip",
        "genres/jazz/jazz.00054.wav",
    )
    assert classify_member("genres/jazz/jazz.00054.au")[0] == "clip"
    assert classify_member("genres/jazz/rock.00054.au")[0] == "other"
    assert classify_member("genres/jazz/._jazz.00054.au")[0] == "appledouble"
    assert classify_member("genres/bextract_single.mf")[0] == "mf"
