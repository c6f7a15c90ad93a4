import hashlib
import json
import shutil
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from genrelearn.provenance import (
    file_digest,
    git_state,
    package_versions,
    plain,
    recorded,
    side_file,
)


def fake_job(tmp_path, outputs, **params):
    return SimpleNamespace(
        rule="step",
        wildcards={"dataset": "toy"},
        params=params,
        output=[str(tmp_path / o) for o in outputs],
        threads=2,
        scriptdir=str(tmp_path / "scripts"),
    )


def test_side_files_describe_each_output(tmp_path):
    job = fake_job(tmp_path, ["a.csv", "b.json"], C=1.5, genres=["blues", "jazz"])
    with recorded(job):
        (tmp_path / "a.csv").write_text("x,y\n1,2\n")
        (tmp_path / "b.json").write_text("{}\n")
        import numpy  # noqa: F401  (the step's imports are what gets versioned)
    for name in ("a.csv", "b.json"):
        path = tmp_path / name
        rec = json.loads(side_file(path).read_text())
        assert side_file(path).name == f"{name}.prov.json"
        assert rec["file"] == str(path)
        assert rec["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert rec["bytes"] == path.stat().st_size
        assert rec["rule"] == "step" and rec["wildcards"] == {"dataset": "toy"}
        assert rec["params"] == {"C": 1.5, "genres": ["blues", "jazz"]}
        assert rec["outputs"] == job.output and rec["threads"] == 2
        assert rec["packages"]["numpy"] == np.__version__
        assert rec["python"] == ".".join(map(str, sys.version_info[:3]))
        assert rec["device"]["cpus"] >= 1
        assert rec["wall_seconds"] >= 0 and rec["started"] <= rec["finished"]
        # tmp_path is not in a git checkout
        assert rec["git"] == {"commit": "unknown", "dirty": "unknown"}


def test_failed_step_writes_no_side_file_and_drops_stale_ones(tmp_path):
    job = fake_job(tmp_path, ["a.csv"])
    stale = side_file(tmp_path / "a.csv")
    stale.write_text("{}")
    with pytest.raises(RuntimeError), recorded(job):
        raise RuntimeError("boom")
    assert not stale.exists()


def test_folder_digest_covers_names_and_contents(tmp_path):
    folder = tmp_path / "audio"
    (folder / "g").mkdir(parents=True)
    (folder / "g" / "1.wav").write_bytes(b"abc")
    (folder / "2.wav").write_bytes(b"de")
    first = file_digest(folder)
    assert first["files"] == 2 and first["bytes"] == 5
    (folder / ".snakemake_timestamp").write_bytes(b"")  # added by Snakemake after the job
    assert file_digest(folder) == first
    (folder / "2.wav").rename(folder / "3.wav")
    assert file_digest(folder)["sha256"] != first["sha256"]
    assert side_file(str(folder) + "/") == tmp_path / "audio.prov.json"


def git(repo, *args):
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
    )


def test_git_state_commit_and_dirty_flag(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(tmp_path, "init", "-q")
    (tmp_path / "f.txt").write_text("1\n")
    git(tmp_path, "add", "f.txt")
    git(tmp_path, "commit", "-q", "-m", "one")
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / "sub").mkdir()
    assert git_state(tmp_path / "sub") == {"commit": head, "dirty": False}
    (tmp_path / "f.txt").write_text("2\n")
    assert git_state(tmp_path) == {"commit": head, "dirty": True}


def test_package_versions_of_given_modules():
    import numpy
    import yaml

    versions = package_versions({"numpy.linalg": numpy.linalg, "yaml": yaml, "json": None})
    assert versions["numpy"] == numpy.__version__
    assert any(name.lower() == "pyyaml" for name in versions)
    assert "json" not in versions  # standard library


def test_plain_converts_numpy_and_nested_values():
    value = {"a": np.float64(1.5), "b": (np.int64(2), {3, 1}), "c": None, "d": object}
    assert plain(value) == {"a": 1.5, "b": [2, [1, 3]], "c": None, "d": str(object)}


def test_snakemake_named_lists_become_dicts(tmp_path):
    from snakemake.iocontainers import Namedlist

    params = Namedlist(fromdict={"C": 1.0, "svm": {"kernel": "linear"}})
    wildcards = Namedlist(fromdict={"feature": "cqt"})
    out = Namedlist(fromdict={"summary": str(tmp_path / "s.json")})
    job = SimpleNamespace(rule="r", wildcards=wildcards, params=params, output=out, threads=1)
    with recorded(job, repo=tmp_path):
        (tmp_path / "s.json").write_text("{}")
    rec = json.loads(side_file(tmp_path / "s.json").read_text())
    assert rec["params"] == {"C": 1.0, "svm": {"kernel": "linear"}}
    assert rec["wildcards"] == {"feature": "cqt"}
    assert rec["outputs"] == [str(tmp_path / "s.json")]
