"""Unit tests of the synthetic genre dataset (genrelearn.data.synth)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from genrelearn.data import synth
from genrelearn.data.synth import (
    GENRE_PROFILES,
    GENRES,
    PARAM_LIMITS,
    ClipParams,
    clip_attributes,
    generate_dataset,
    render_clip,
    sample_clip_params,
)

TINY = dict(genres=("jazz", "blues"), clips_per_genre=2, duration=1.5, sample_rate=16000)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _draw(genre: str, n: int, seed: int = 0, spread: float = 1.0) -> list[ClipParams]:
    rng = np.random.default_rng(seed)
    return [sample_clip_params(genre, rng, spread) for _ in range(n)]


@pytest.fixture(scope="module")
def tiny_sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, pd.DataFrame]]:
    out = {}
    for name, seed, n_jobs in (("a", 7, 1), ("b", 7, 2), ("c", 8, 1)):
        root = tmp_path_factory.mktemp(name)
        out[name] = (root, generate_dataset(root, seed=seed, n_jobs=n_jobs, progress=False, **TINY))
    return out


# --- dataset: determinism and layout ---------------------------------------------------------


def test_same_seed_gives_identical_files_and_metadata(tiny_sets):
    (root_a, meta_a), (root_b, meta_b) = tiny_sets["a"], tiny_sets["b"]  # n_jobs 1 vs 2
    files_a, files_b = _files(root_a), _files(root_b)
    assert files_a.keys() == files_b.keys()
    assert len([k for k in files_a if k.endswith(".wav")]) == 4
    for name in files_a:
        assert files_a[name] == files_b[name], name
    pd.testing.assert_frame_equal(meta_a, meta_b)


def test_different_seed_gives_different_audio(tiny_sets):
    files_a, files_c = _files(tiny_sets["a"][0]), _files(tiny_sets["c"][0])
    assert files_a.keys() == files_c.keys()
    for name in files_a:
        if name.endswith(".wav"):
            assert files_a[name] != files_c[name], name
    assert files_a["metadata.csv"] != files_c["metadata.csv"]


def test_layout_and_wav_format(tiny_sets):
    root, meta = tiny_sets["a"]
    expected = {f"genres/{g}/{g}.{i:05d}.wav" for g in ("blues", "jazz") for i in range(2)}
    wavs = {str(p.relative_to(root)) for p in root.rglob("*.wav")}
    assert wavs == expected
    assert not [p for p in root.rglob("*") if p.name.startswith(".")]  # no temporary leftovers
    for rel in expected:
        info = sf.info(root / rel)
        assert info.samplerate == 16000
        assert info.channels == 1
        assert info.subtype == "PCM_16"
        assert info.format == "WAV"
        assert info.frames == round(1.5 * 16000)
        audio, _ = sf.read(root / rel, dtype="float32")
        assert np.abs(audio).max() > 0.4


def test_metadata_columns_and_rows(tiny_sets):
    root, meta = tiny_sets["a"]
    head = ["track_id", "genre", "path", "duration", "sample_rate"]
    assert list(meta.columns[:8]) == head + ["energy", "danceability", "valence"]
    fields = [f.name for f in dataclasses.fields(ClipParams) if f.name != "genre"]
    assert list(meta.columns[8:]) == fields
    assert list(meta.track_id) == ["blues.00000", "blues.00001", "jazz.00000", "jazz.00001"]
    assert list(meta.path) == [f"genres/{t.split('.')[0]}/{t}.wav" for t in meta.track_id]
    assert (meta.duration == 1.5).all() and (meta.sample_rate == 16000).all()
    assert (meta.seed == 7).all() and list(meta.clip_index) == [0, 1, 0, 1]
    on_disk = pd.read_csv(root / "metadata.csv")
    assert list(on_disk.columns) == list(meta.columns)
    assert list(on_disk.track_id) == list(meta.track_id)
    np.testing.assert_allclose(on_disk.tempo, meta.tempo, rtol=1e-5)
    for col in meta.columns:  # every column is a scalar
        assert meta[col].map(np.isscalar).all(), col


def test_subset_of_genres_gives_same_clips(tmp_path, tiny_sets):
    root_full, meta_full = tiny_sets["a"]
    meta_sub = generate_dataset(tmp_path, seed=7, progress=False, **{**TINY, "genres": ["jazz"]})
    for rel in ("genres/jazz/jazz.00000.wav", "genres/jazz/jazz.00001.wav"):
        assert (tmp_path / rel).read_bytes() == (root_full / rel).read_bytes()
    full_jazz = meta_full[meta_full.genre == "jazz"].reset_index(drop=True)
    pd.testing.assert_frame_equal(meta_sub, full_jazz)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"genres": ["blues", "polka"]}, "genre"),
        ({"genres": []}, "genres"),
        ({"clips_per_genre": 0}, "clips_per_genre"),
        ({"duration": 0.0}, "duration"),
        ({"duration": -1.0}, "duration"),
        ({"sample_rate": 4000}, "sample_rate"),
        ({"spread": -0.5}, "spread"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"seed": -1}, "seed"),
    ],
)
def test_invalid_arguments_raise(tmp_path, kwargs, name):
    args = {**TINY, "progress": False, **kwargs}
    with pytest.raises(ValueError, match=name):
        generate_dataset(tmp_path, **args)
    assert not list(tmp_path.rglob("*.wav"))


def test_invalid_sampling_and_render_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="genre"):
        sample_clip_params("polka", rng)
    with pytest.raises(ValueError, match="spread"):
        sample_clip_params("rock", rng, spread=-1.0)
    params = sample_clip_params("rock", rng)
    with pytest.raises(ValueError, match="sample_rate"):
        render_clip(params, 4000, 1.0, rng)
    with pytest.raises(ValueError, match="duration"):
        render_clip(params, 22050, 0.0, rng)
    with pytest.raises(ValueError, match="mode"):
        dataclasses.replace(params, mode="lydian")


# --- sampling and attributes -----------------------------------------------------------------


def test_sampling_is_deterministic_and_within_limits():
    a = _draw("pop", 5, seed=3)
    b = _draw("pop", 5, seed=3)
    assert a == b
    assert a[0] != a[1]
    for p in _draw("metal", 20, spread=10.0):
        for name, (lo, hi) in PARAM_LIMITS.items():
            assert lo <= getattr(p, name) <= hi, name
        assert isinstance(p.n_partials, int) and 0 <= p.key < 12


def test_spread_zero_draws_centres_and_spread_widens():
    prof = GENRE_PROFILES["reggae"]
    for p in _draw("reggae", 5, spread=0.0):
        lo, hi = prof.continuous["tempo"]
        assert p.tempo == pytest.approx((lo + hi) / 2)
        assert p.drum_pattern in prof.categorical["drum_pattern"]  # no uniform mixing at 0
    narrow = np.array([p.tempo for p in _draw("reggae", 300, spread=0.5)])
    wide = np.array([p.tempo for p in _draw("reggae", 300, spread=2.0)])
    assert np.ptp(wide) > 2.5 * np.ptp(narrow)
    assert wide.min() >= 40.0  # clipped to the physical limit, never below
    patterns = {p.drum_pattern for p in _draw("classical", 200, spread=4.0)}
    assert len(patterns) >= 6  # categorical tables become uniform


def test_attributes_in_unit_interval_and_vary_within_genre():
    for genre in GENRES:
        attrs = pd.DataFrame([clip_attributes(p) for p in _draw(genre, 20)])
        assert list(attrs.columns) == ["energy", "danceability", "valence"]
        assert ((attrs >= 0) & (attrs <= 1)).all().all(), genre
        assert (attrs.std() > 0.01).all(), genre


def test_attributes_follow_their_formulas():
    p = _draw("disco", 1)[0]
    fast = clip_attributes(dataclasses.replace(p, tempo=180.0, drive=20.0))
    slow = clip_attributes(dataclasses.replace(p, tempo=60.0, drive=0.0))
    assert fast["energy"] > slow["energy"]
    major = clip_attributes(dataclasses.replace(p, mode="major"))
    phrygian = clip_attributes(dataclasses.replace(p, mode="phrygian"))
    assert major["valence"] - phrygian["valence"] == pytest.approx(0.45)
    no_drums = clip_attributes(dataclasses.replace(p, drum_pattern="none"))
    assert no_drums["danceability"] < clip_attributes(p)["danceability"]
    by_genre = {g: np.mean([clip_attributes(q)["energy"] for q in _draw(g, 30)]) for g in GENRES}
    assert by_genre["metal"] > by_genre["classical"] + 0.3


def test_genre_character():
    draws = {g: _draw(g, 30, seed=11) for g in GENRES}

    def mean(genre: str, name: str) -> float:
        return float(np.mean([getattr(p, name) for p in draws[genre]]))

    assert mean("reggae", "tempo") < mean("metal", "tempo")
    assert max(p.drum_level for p in draws["classical"]) < 0.06
    assert mean("metal", "drive") > mean("pop", "drive") + 5
    assert mean("rock", "drive") > mean("pop", "drive")
    assert mean("classical", "attack") > mean("metal", "attack")
    assert mean("classical", "reverb_wet") > mean("hiphop", "reverb_wet")
    assert mean("jazz", "swing") > mean("rock", "swing") + 0.4
    assert mean("hiphop", "crackle_rate") > 2.0 and mean("pop", "crackle_rate") == 0.0
    assert mean("hiphop", "bass_register") < mean("classical", "bass_register")
    assert 100 <= mean("disco", "tempo") <= 140

    def share(genre: str, name: str, value: object) -> float:
        return float(np.mean([getattr(p, name) == value for p in draws[genre]]))

    assert share("disco", "drum_pattern", "four_on_floor") > 0.5
    assert share("reggae", "comp_style", "skank") > 0.5
    assert share("metal", "chord_vocab", "power") > 0.5
    assert share("jazz", "bass_style", "walking") > 0.5
    assert share("classical", "drum_pattern", "none") > 0.5


# --- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize(("genre", "sample_rate"), [("classical", 8000), ("metal", 22050)])
def test_render_clip_contract(genre, sample_rate):
    params = _draw(genre, 1, seed=5)[0]
    audio = render_clip(params, sample_rate, 1.25, np.random.default_rng(1))
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == round(1.25 * sample_rate)
    assert np.isfinite(audio).all()
    assert np.abs(audio).max() == pytest.approx(params.peak_level, abs=1e-4)
    again = render_clip(params, sample_rate, 1.25, np.random.default_rng(1))
    np.testing.assert_array_equal(audio, again)


def test_render_never_silent_for_degenerate_params():
    params = dataclasses.replace(
        _draw("pop", 1)[0],
        drum_pattern="none",
        drum_level=0.0,
        note_density=0.0,
        melody_level=0.0,
        bass_level=0.0,
        comp_level=0.1,
    )
    audio = render_clip(params, 8000, 0.01, np.random.default_rng(0))
    assert len(audio) == 80 and np.abs(audio).max() > 0 and np.isfinite(audio).all()


def _high_share(y: np.ndarray, sample_rate: int = 16000) -> float:
    """Share of the spectral energy above 2 kHz."""
    spec = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / sample_rate)
    return float(spec[freqs > 2000].sum() / spec.sum())


def test_parameters_are_audible():
    def render(p: ClipParams, seed: int = 4) -> np.ndarray:
        return render_clip(p, 16000, 2.0, np.random.default_rng(seed))

    metal = np.mean([_high_share(render(p, i)) for i, p in enumerate(_draw("metal", 3))])
    classical = np.mean([_high_share(render(p, i)) for i, p in enumerate(_draw("classical", 3))])
    assert metal > 3 * classical
    p = dataclasses.replace(_draw("rock", 1)[0], noise_db=-80.0, reverb_wet=0.0)
    quiet = dict(drum_pattern="none", drum_level=0.0)
    clean = render(dataclasses.replace(p, drive=0.0, **quiet))
    dirty = render(dataclasses.replace(p, drive=25.0, **quiet))
    assert _high_share(dirty) > 1.5 * _high_share(clean)
    with_drums = render(dataclasses.replace(p, drum_pattern="rock_backbeat", drum_level=1.5))
    without = render(dataclasses.replace(p, **quiet))
    assert not np.allclose(with_drums, without, atol=1e-2)


def test_genre_table_is_complete():
    assert GENRES == tuple(sorted(GENRES)) and len(GENRES) == 10
    assert set(GENRE_PROFILES) == set(GENRES)
    for prof in GENRE_PROFILES.values():
        assert set(prof.continuous) == set(PARAM_LIMITS)
        for name, table in prof.categorical.items():
            assert sum(table.values()) == pytest.approx(1.0), name
    table = synth.profile_table()
    assert list(table.genre) == list(GENRES)
