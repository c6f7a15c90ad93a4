"""GTZAN end to end against a tiny archive served on 127.0.0.1: the real rules, no real host.

Each test copies the workflow, writes a config overlay pointing the GTZAN URLs at a loopback
server (or at a local archive) and runs only the jobs it needs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, snakemake
from gtzan_fixture import LoopbackServer, build_archive, md5, split_lists, write_blocknet

pytestmark = pytest.mark.workflow

GENRES = ["blues", "classical", "country"]
NAME = "gtzan-tiny"
RESULTS = f"results/{NAME}"
ARCHIVE = "resources/gtzan/genres.tar.gz"
NO_PROXY = {"NO_PROXY": "*", "no_proxy": "*"}


@pytest.fixture(scope="module")
def tiny():
    return build_archive(GENRES, clips_per_genre=4, seconds=1.0)


def gtzan_overlay(url: str, tiny, lists: dict[str, bytes], **dataset) -> dict:
    return {
        "dataset": {
            "name": NAME,
            "source": "gtzan",
            "genres": GENRES,
            "min_duration": 0.5,
            "max_duration": 2.0,
            **dataset,
        },
        "gtzan": {
            "archive": {
                "urls": [f"{url}/genres.tar.gz"],
                "size": len(tiny.archive),
                "checksums": {"md5": tiny.md5},
            },
            "splits": {
                "urls": [f"{url}/{{subset}}_filtered.txt"],
                "md5": {s: md5(data) for s, data in lists.items()},
            },
            "download": {"retries": 0, "timeout": 10, "backoff": 0},
        },
        "classify": {"features": ["mfcc"], "protocols": ["grouped", "fault-filtered"]},
    }


def run(workdir: Path, overlay: dict, *targets: str, check: bool = True, env=None):
    (workdir / "config" / "gtzan-test.yaml").write_text(yaml.safe_dump(overlay))
    return snakemake(
        workdir,
        "--configfile",
        "config/test.yaml",
        "config/gtzan-test.yaml",
        "--show-failed-logs",  # also ends the list of config files before the targets
        *targets,
        check=check,
        env={**NO_PROXY, **(env or {})},
    )


def served(tiny, lists):
    return {"/genres.tar.gz": tiny.archive, **{f"/{s}_filtered.txt": d for s, d in lists.items()}}


def mkdir(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_download_extract_index_and_fault_filtered_classification(tmp_path, tiny):
    lists = split_lists(list(tiny.clips))
    workdir = copy_workflow(tmp_path)
    summary = f"{RESULTS}/classify/mfcc/g3/fault-filtered/summary.json"
    with LoopbackServer(served(tiny, lists)) as server:
        run(workdir, gtzan_overlay(server.url, tiny, lists), summary)
    assert (workdir / ARCHIVE).read_bytes() == tiny.archive
    assert sorted(p for p, _ in server.requests) == sorted(served(tiny, lists))
    # Clips only, .au and .wav alike; AppleDouble, __MACOSX and .mf files left behind.
    audio = workdir / "resources" / "gtzan" / "audio"
    expected = sorted(f"genres/{t.split('.')[0]}/{t}.{e}" for t, e in tiny.clips.items())
    assert [f for f in files_under(audio) if f != ".snakemake_timestamp"] == expected
    tracks = pd.read_csv(workdir / RESULTS / "tracks.csv")
    assert len(tracks) == 12 and {Path(p).suffix for p in tracks["path"]} == {".au", ".wav"}
    assert pd.read_csv(workdir / RESULTS / "tracks_skipped.csv").empty
    split = json.loads((workdir / RESULTS / "splits" / "fault-filtered.json").read_text())
    assert split["counts"] == {"train": 6, "valid": 3, "test": 3}
    result = json.loads((workdir / summary).read_text())
    assert result["subset_clips"] == {"train": 6, "valid": 3, "test": 3}
    assert result["n_splits"] == 1 and result["selected_C"] in (0.01, 0.1, 1.0, 10.0, 100.0)
    log = (workdir / "resources" / "gtzan" / "logs" / "download_gtzan.log").read_text()
    assert "100%" in log and "verified" in log  # the progress bar, then the check


def test_checksum_mismatch_fails_and_keeps_the_download_aside(tmp_path, tiny):
    lists = split_lists(list(tiny.clips))
    workdir = copy_workflow(tmp_path)
    wrong = "0" * 32
    with LoopbackServer(served(tiny, lists)) as server:
        overlay = gtzan_overlay(server.url, tiny, lists)
        overlay["gtzan"]["archive"]["checksums"] = {"md5": wrong}
        proc = run(workdir, overlay, ARCHIVE, check=False)
    assert proc.returncode != 0
    log = (workdir / "resources" / "gtzan" / "logs" / "download_gtzan.log").read_text()
    assert f"md5: expected {wrong}, actual {tiny.md5}" in log
    assert not (workdir / ARCHIVE).exists()
    assert (workdir / f"{ARCHIVE}.mismatch").read_bytes() == tiny.archive


def test_cut_download_is_resumed_with_a_range_request(tmp_path, tiny):
    lists = split_lists(list(tiny.clips))
    workdir = copy_workflow(tmp_path)
    half = len(tiny.archive) // 2
    with LoopbackServer(served(tiny, lists), cut={"/genres.tar.gz": half}) as server:
        overlay = gtzan_overlay(server.url, tiny, lists)
        first = run(workdir, overlay, ARCHIVE, check=False)
        assert first.returncode != 0
        assert (workdir / f"{ARCHIVE}.part").stat().st_size == half
        run(workdir, overlay, ARCHIVE)
    assert server.ranges("/genres.tar.gz") == [f"bytes={half}-"]
    assert (workdir / ARCHIVE).read_bytes() == tiny.archive
    assert not (workdir / f"{ARCHIVE}.part").exists()


@pytest.mark.parametrize(
    ("kind", "member", "problem"),
    [
        ("dotdot", "genres/../../../../evil.txt", "has a '..' component"),
        ("symlink", "genres/blues/blues.00009.wav", "is a symbolic link"),
    ],
)
def test_hostile_archive_is_refused_and_writes_nothing(tmp_path, kind, member, problem):
    hostile = build_archive(GENRES, clips_per_genre=2, extra=((kind, member),))
    workdir = copy_workflow(mkdir(tmp_path / "wf"))
    (workdir / "hostile.tar.gz").write_bytes(hostile.archive)
    lists = split_lists(list(hostile.clips))
    overlay = gtzan_overlay("http://127.0.0.1:9", hostile, lists, archive="hostile.tar.gz")
    proc = run(workdir, overlay, "resources/gtzan/audio", check=False)
    assert proc.returncode != 0
    log = (workdir / "resources" / "gtzan" / "logs" / "extract_gtzan.log").read_text()
    assert f"refusing to extract: member {member!r} {problem}" in log
    left = files_under(workdir / "resources" / "gtzan")
    assert [f for f in left if not f.startswith(("logs/", "benchmarks/"))] == []
    assert not list(tmp_path.rglob("evil.txt")) and not list(tmp_path.rglob("outside.txt"))


def test_corrupt_clip_fails_or_is_skipped_by_policy(tmp_path):
    bad = build_archive(GENRES, clips_per_genre=4, corrupt=("classical.00002",))
    workdir = copy_workflow(tmp_path)
    (workdir / "gtzan.tar.gz").write_bytes(bad.archive)
    lists = split_lists(list(bad.clips))
    overlay = gtzan_overlay("http://127.0.0.1:9", bad, lists, archive="gtzan.tar.gz")
    proc = run(workdir, overlay, f"{RESULTS}/tracks.csv", check=False)
    assert proc.returncode != 0
    log = (workdir / RESULTS / "logs" / "index_tracks.log").read_text()
    assert re.search(r"classical\.00002\.wav: cannot be decoded .*invalid_clips: skip", log)
    assert not (workdir / RESULTS / "tracks.csv").exists()

    overlay["dataset"]["invalid_clips"] = "skip"
    run(workdir, overlay, f"{RESULTS}/tracks.csv")
    tracks = pd.read_csv(workdir / RESULTS / "tracks.csv")
    skipped = pd.read_csv(workdir / RESULTS / "tracks_skipped.csv")
    assert len(tracks) == 11 and "classical.00002" not in set(tracks["track_id"])
    assert list(skipped["track_id"]) == ["classical.00002"]
    log = (workdir / RESULTS / "logs" / "index_tracks.log").read_text()
    assert "skipped" in log and "classical.00002.wav" in log


def test_local_archive_needs_no_network(tmp_path, tiny):
    lists = split_lists(list(tiny.clips))
    workdir = copy_workflow(mkdir(tmp_path / "wf"))
    (workdir / "mine.tar.gz").write_bytes(tiny.archive)
    blocked = {"PYTHONPATH": str(write_blocknet(tmp_path / "blocknet"))}
    with LoopbackServer(served(tiny, lists)) as server:
        overlay = gtzan_overlay(server.url, tiny, lists, archive="mine.tar.gz")
        run(workdir, overlay, f"{RESULTS}/tracks.csv", env=blocked)
        assert len(pd.read_csv(workdir / RESULTS / "tracks.csv")) == 12
        # The block is real: the download itself cannot reach the (running) server.
        proc = run(workdir, overlay, ARCHIVE, check=False, env=blocked)
    assert proc.returncode != 0
    log = (workdir / "resources" / "gtzan" / "logs" / "download_gtzan.log").read_text()
    assert "network disabled by the test" in log
    assert server.requests == []


def test_gtzan_config_plans_the_whole_paper(tmp_path):
    workdir = copy_workflow(tmp_path)
    proc = snakemake(workdir, "-n", "--configfile", "config/gtzan.yaml")
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, flags=re.MULTILINE))
    cfg = yaml.safe_load((REPO / "config" / "gtzan.yaml").read_text())
    # raw features and learned methods (config/config.yaml's lists, which gtzan.yaml keeps)
    base = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["classify"]
    methods = len(base["features"]) + len(base["learned"])
    n_classify = methods * len(cfg["classify"]["n_genres"]) * len(cfg["classify"]["protocols"])
    assert {k: int(stats.get(k, 0)) for k in ("download_gtzan", "download_gtzan_split")} == {
        "download_gtzan": 1,
        "download_gtzan_split": 3,
    }
    assert stats["extract_gtzan"] == "1" and stats["gtzan_split"] == "1"
    assert int(stats["classify"]) == n_classify and stats["paper"] == "1"
    assert "synthesize_dataset" not in stats and "export_synth_table" not in stats


GTZAN_MACROS = {
    "macros_data.tex": {
        "DataIsGtzan": "1",
        "NumSkippedClips": "1",
        "SkippedClips": "jazz.00054",
        "InvalidClipsPolicy": "skip",
        "GtzanChecksums": "md5 \\texttt{5b3d6dddb579ab49814ab86dba69e7c7}",
        "FfTrain": "442",
        "FfValid": "197",
        "FfTest": "290",
        "FfClips": "929",
        "FfExcluded": "70",
        "FfMissing": "1",
    },
    "macros_classify.tex": {
        "HasFaultFiltered": "1",
        "AccCqtAllFaultFiltered": "55.5",
        "FfCCqtAll": "10",
        "FfCGrid": "0.1, 1 and 10",
    },
    # the CNN/LSTM study: GTZAN has no affect labels
    "macros_supervised.tex": {
        "SupAffectAvailable": "0",
        "SupAffectNote": "This dataset has no per-clip affect labels.",
    },
}


def override_macros(path: Path, values: dict[str, str]) -> None:
    """Replace (or add) ``\\newcommand`` definitions in a generated macro file."""
    lines = [
        line
        for line in path.read_text().splitlines()
        if not any(line.startswith(f"\\newcommand{{\\{name}}}") for name in values)
    ]
    lines += [f"\\newcommand{{\\{name}}}{{{body}}}" for name, body in values.items()]
    path.write_text("\n".join(lines) + "\n")


def build_gtzan_paper(generated: Path, tmp_path: Path) -> Path:
    """The real paper.tex on a finished run's generated files, with GTZAN facts swapped in."""
    from genrelearn.report.latex import build_pdf

    gen = tmp_path / "generated"
    shutil.copytree(generated, gen)
    for name, values in GTZAN_MACROS.items():
        override_macros(gen / name, values)
    for synth_only in ("table_synth.tex", "table_attributes.tex"):
        (gen / synth_only).unlink()
    pdf = tmp_path / "paper.pdf"
    # the hand-written section files beside paper.tex (each read by an \input line) are sources too
    # (sae_full.tex only when the full-scale experiment is on: it is off in the tiny run)
    sections = [
        p
        for p in sorted((REPO / "paper").glob("*.tex"))
        if p.name not in ("paper.tex", "sae_full.tex")
    ]
    build_pdf(
        REPO / "paper" / "paper.tex",
        [REPO / "paper" / "refs.bib", *sections],
        sorted(gen.iterdir()),
        pdf,
    )
    return pdf


def test_paper_describes_gtzan_when_it_is_the_dataset(tiny_run, tmp_path):
    """The paper's GTZAN branches compile, without the synthetic-only tables."""
    pdf = build_gtzan_paper(tiny_run / "results" / "synth-tiny" / "paper" / "generated", tmp_path)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        text = " ".join(text.split())
        assert "This study runs on GTZAN" in text and "jazz.00054" in text
        assert "fault-filtered" in text and "442 to training" in text
        assert "synthetic genre dataset" not in text
        assert "no per-clip affect labels" in text  # the CNN/LSTM study
