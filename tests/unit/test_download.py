import hashlib

import pytest
from gtzan_fixture import LoopbackServer

from genrelearn.data.download import (
    ChecksumError,
    DownloadError,
    download,
    normalize_checksums,
    verify_file,
)

DATA = bytes(range(256)) * 400  # 102400 bytes
MD5 = hashlib.md5(DATA).hexdigest()


def test_download_verifies_and_moves_into_place(tmp_path):
    with LoopbackServer({"/f.bin": DATA}) as server:
        out = download([f"{server.url}/f.bin"], tmp_path / "f.bin", {"md5": MD5}, size=len(DATA))
    assert out.read_bytes() == DATA
    assert not (tmp_path / "f.bin.part").exists()
    assert server.ranges("/f.bin") == []


def test_cut_transfer_is_resumed_with_a_range_request(tmp_path):
    with LoopbackServer({"/f.bin": DATA}, cut={"/f.bin": len(DATA) // 2}) as server:
        with pytest.raises(DownloadError, match="bytes kept"):
            download([f"{server.url}/f.bin"], tmp_path / "f.bin", {"md5": MD5}, retries=0)
        assert (tmp_path / "f.bin.part").stat().st_size == len(DATA) // 2
        download([f"{server.url}/f.bin"], tmp_path / "f.bin", {"md5": MD5}, retries=0)
    assert server.ranges("/f.bin") == [f"bytes={len(DATA) // 2}-"]
    assert (tmp_path / "f.bin").read_bytes() == DATA


def test_retry_within_one_call_resumes(tmp_path):
    with LoopbackServer({"/f.bin": DATA}, cut={"/f.bin": 1000}) as server:
        download([f"{server.url}/f.bin"], tmp_path / "f.bin", {"md5": MD5}, backoff=0)
    assert server.ranges("/f.bin") == ["bytes=1000-"]


def test_mismatch_keeps_the_file_aside_and_names_both_checksums(tmp_path):
    wrong = "0" * 32
    with LoopbackServer({"/f.bin": DATA}) as server:
        with pytest.raises(ChecksumError) as err:
            download([f"{server.url}/f.bin"], tmp_path / "f.bin", {"md5": wrong})
    assert f"expected {wrong}, actual {MD5}" in str(err.value)
    assert not (tmp_path / "f.bin").exists()
    assert (tmp_path / "f.bin.mismatch").read_bytes() == DATA


def test_next_mirror_after_a_missing_file_and_a_wrong_size(tmp_path):
    with LoopbackServer({"/good": DATA, "/short": DATA[:10]}) as server:
        urls = [f"{server.url}/missing", f"{server.url}/short", f"{server.url}/good"]
        download(urls, tmp_path / "f.bin", {"md5": MD5}, size=len(DATA), retries=0)
    assert (tmp_path / "f.bin").read_bytes() == DATA
    assert [p for p, _ in server.requests] == ["/missing", "/short", "/good"]


def test_unreachable_mirror_fails_with_every_attempt(tmp_path):
    with LoopbackServer({}) as server:
        url = server.url
    with pytest.raises(DownloadError, match="could not download f.bin from any mirror") as err:
        download([f"{url}/f.bin"], tmp_path / "f.bin", {"md5": MD5}, retries=1, backoff=0)
    assert str(err.value).count(url) == 2


def test_verify_file_and_checksum_specs(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(DATA)
    verify_file(path, {"MD5": MD5.upper()})
    with pytest.raises(ChecksumError, match=r"size: expected 5, actual 102400"):
        verify_file(path, {"md5": MD5}, size=5)
    with pytest.raises(ValueError, match="unknown checksum algorithm"):
        normalize_checksums({"crc99": "00"})
    with pytest.raises(ValueError, match="is not 64 hex digits"):
        normalize_checksums({"sha256": MD5})
