"""Rule export_data_macros: dataset, feature and pooling numbers as LaTeX macros."""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from genrelearn.features import load_frames
from genrelearn.io import read_json, write_text
from genrelearn.logs import log_to_file
from genrelearn.pooling import load_pooled
from genrelearn.report.macros import format_number, macro_name, render_macros

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log:
        tracks = pd.read_csv(snakemake.input.tracks)
        per_genre = tracks.groupby("genre").size()
        m = {
            "NumGenres": str(tracks["genre"].nunique()),
            "NumClips": str(len(tracks)),
            "ClipsPerGenre": str(int(per_genre.min()))
            if per_genre.nunique() == 1
            else f"{per_genre.min()}--{per_genre.max()}",
            "ClipDuration": format_number(tracks["duration"].median(), 1),
            "SampleRate": str(int(tracks["sample_rate"].iloc[0])),
            "TotalMinutes": format_number(tracks["duration"].sum() / 60, 1),
        }
        m["DataIsGtzan"] = "1" if p.source == "gtzan" else "0"
        if p.source == "synth":
            m["SynthSeed"] = str(p.synth["seed"])
            m["SynthSpread"] = format_number(p.synth["spread"], 2)
        skipped = pd.read_csv(snakemake.input.skipped)
        m["NumSkippedClips"] = str(len(skipped))
        m["SkippedClips"] = ", ".join(skipped["track_id"]) if len(skipped) else "none"
        m["InvalidClipsPolicy"] = p.invalid_clips
        if p.source == "gtzan":
            m["GtzanChecksums"] = ", ".join(
                f"{name} \\texttt{{{digest.lower()}}}"
                for name, digest in sorted(p.gtzan_checksums.items())
            )
        if snakemake.input.split:
            split = read_json(snakemake.input.split)
            m.update(
                FfTrain=str(split["counts"]["train"]),
                FfValid=str(split["counts"]["valid"]),
                FfTest=str(split["counts"]["test"]),
                FfClips=str(sum(split["counts"].values())),
                FfExcluded=str(split["excluded"]),
                FfMissing=str(len(split["missing"])),
            )

        cqt = load_frames(snakemake.input.cqt)
        cp = cqt.meta["params"]
        n_streams = 2 if cp["stream_offset"] else 1
        m.update(
            CqtBins=str(cp["n_bins"]),
            CqtBinsPerOctave=str(cp["bins_per_octave"]),
            CqtOctaves=format_number(cp["n_bins"] / cp["bins_per_octave"], 0),
            CqtHop=str(cp["hop_length"]),
            CqtStreamOffset=str(cp["stream_offset"]),
            CqtFmin=format_number(cp["fmin"], 2),
            CqtFmax=format_number(
                cp["fmin"] * 2 ** ((cp["n_bins"] - 1) / cp["bins_per_octave"]), 1
            ),
            CqtFilterScale=format_number(cp["filter_scale"], 0),
            CqtTuning="estimated per clip"
            if cp["tuning"] is None
            else format_number(cp["tuning"], 2),
            CqtFramesPerStream=str(int(np.median(np.diff(cqt.offsets))) // n_streams),
            CqtFrameMs=format_number(1000 * cp["hop_length"] / cqt.meta["sample_rate"], 1),
            NumFramesCqt=f"{len(cqt.frames):,}".replace(",", "{,}"),
        )
        m.update(
            MelBands=str(p.mel["n_mels"]),
            MelHop=str(p.mel["hop_length"]),
            MelFft=str(p.mel["n_fft"]),
            MfccCount=str(p.mfcc["n_mfcc"]),
            MfccHop=str(p.mfcc["hop_length"]),
            MfccDeltas="with first and second differences" if p.mfcc["deltas"] else "alone",
        )
        m["NumVectors"] = str(p.n_vectors)
        m["VectorsPerClip"] = str(2 * p.n_vectors)
        for feature, path in zip(p.features, snakemake.input.vectors, strict=True):
            pooled = load_pooled(path)
            m[macro_name("window", feature)] = str(pooled.window)
            m[macro_name("window", feature, "seconds")] = format_number(
                pooled.window / pooled.frame_rate, 1
            )
            m[macro_name("dim", feature)] = str(pooled.vectors.shape[1])
        write_text(snakemake.output.macros, render_macros(m, "Dataset and feature facts."))
        log.info("wrote %d macros", len(m))


if __name__ == "__main__":
    main()
