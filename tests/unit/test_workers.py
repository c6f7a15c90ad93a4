import os
import signal

import pytest

from genrelearn.workers import WorkerCrashError, describe_exit, map_in_processes


def _square_or_die(x: int) -> int:
    if x == 7:
        os.kill(os.getpid(), signal.SIGSEGV)
    if x == 8:
        os._exit(3)
    return x * x


def _extract_or_die_on_c2(path, kind, params, sample_rate, max_samples):
    from genrelearn.features.extract import load_clip

    if path.endswith("c2.wav"):
        os.kill(os.getpid(), signal.SIGSEGV)
    return load_clip(path, sample_rate, max_samples)[:2].reshape(1, 2)


def test_results_in_input_order_serial_and_parallel():
    items = [3, 1, 2, 0, 5]
    expected = [9, 1, 4, 0, 25]
    assert list(map_in_processes(_square_or_die, items, 1)) == expected
    assert list(map_in_processes(_square_or_die, items, 2)) == expected


def test_a_segfaulting_worker_is_reported_with_its_item_and_signal():
    items = [1, 2, 7, 3]
    with pytest.raises(WorkerCrashError) as info:
        list(map_in_processes(_square_or_die, items, 2, describe=lambda x: f"clip-{x}.wav"))
    err = info.value
    assert err.item == "clip-7.wav"
    assert err.signal_name == "SIGSEGV"
    message = str(err)
    assert "clip-7.wav" in message and "SIGSEGV" in message and "What to do" in message


def test_a_worker_exiting_non_zero_is_reported_with_its_exit_code():
    with pytest.raises(WorkerCrashError) as info:
        list(map_in_processes(_square_or_die, [8, 1], 2, what="clip"))
    assert info.value.item == "8"
    assert info.value.signal_name == "exit code 3"


def test_the_extractor_names_the_clip_whose_worker_died(monkeypatch, tmp_path):
    import numpy as np
    import pandas as pd
    import soundfile as sf

    from genrelearn.features import extract

    paths = []
    for i in range(4):
        path = tmp_path / f"c{i}.wav"
        sf.write(path, np.zeros(2048, dtype=np.float32), 22050)
        paths.append(str(path))
    tracks = pd.DataFrame({"track_id": [f"c{i}" for i in range(4)], "genre": "g", "path": paths})

    monkeypatch.setattr(extract, "_extract_one", _extract_or_die_on_c2)
    with pytest.raises(WorkerCrashError) as info:
        extract.extract_features(tracks, "dft", {}, 22050, n_jobs=2, progress=False)
    assert info.value.item.endswith("c2.wav")
    assert info.value.signal_name == "SIGSEGV"
    assert "dft features of clip" in str(info.value)


@pytest.mark.parametrize(
    ("code", "text"), [(-11, "SIGSEGV"), (-9, "SIGKILL"), (2, "exit code 2"), (None, "unknown")]
)
def test_describe_exit(code, text):
    assert describe_exit(code) == text


def test_a_function_that_cannot_be_sent_to_workers_fails_at_once():
    with pytest.raises(TypeError, match="cannot be sent to worker processes"):
        map_in_processes(lambda x: x, [1, 2], 2)


def _die_in_joblib(x: int) -> int:
    if x == 1:
        os.kill(os.getpid(), signal.SIGSEGV)
    return x


def test_a_dead_joblib_worker_is_explained():
    from joblib import Parallel, delayed

    from genrelearn.workers import explain_worker_death

    with pytest.raises(WorkerCrashError, match="(?s)the test fits.*SIGSEGV.*What to do") as info:
        with explain_worker_death("the test fits"):
            Parallel(n_jobs=2)(delayed(_die_in_joblib)(i) for i in range(4))
    assert "SIGSEGV" in info.value.signal_name
