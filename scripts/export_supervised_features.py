"""Rule export_supervised_features: mel/chroma figure raw vs beat-synced, and their shapes."""

from typing import TYPE_CHECKING

from genrelearn.features import load_frames
from genrelearn.io import write_text
from genrelearn.logs import log_to_file
from genrelearn.report.figures import save_figure
from genrelearn.report.macros import format_number, render_macros
from genrelearn.report.supervised_report import shapes_frame, spectrogram_figure
from genrelearn.report.tables import to_latex

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    out = snakemake.output
    with log_to_file(snakemake.log[0]) as log:
        raw = load_frames(snakemake.input.fused)
        beat = load_frames(snakemake.input.fused_beat)
        save_figure(spectrogram_figure(raw, beat, p.example_genres, p.cmap), out.figure, p.dpi)
        shapes = shapes_frame(raw, beat)
        write_text(
            out.shapes,
            to_latex(
                shapes,
                "lS[table-format=3]S[table-format=3.1]S[table-format=2.1]"
                "S[table-format=2]S[table-format=2]S[table-format=2.1]",
                decimals=1,
            ),
        )
        row = shapes.loc["fused"]
        macros = {
            "SupRawFrames": format_number(row["Frames raw"]),
            "SupBeatFrames": format_number(row["Frames beat-synced"]),
            "SupFrameReduction": format_number(row["Reduction"]),
            "SupExampleGenreA": p.example_genres[0],
            "SupExampleGenreB": p.example_genres[1],
            # the extraction settings, from the frames' own metadata
            "SupSampleRate": f"{int(raw.meta['sample_rate']):,}".replace(",", "\\,"),
            "SupNfft": str(raw.meta["params"]["n_fft"]),
            "SupHop": str(raw.meta["params"]["hop_length"]),
            "SupFusedRows": str(raw.dim),
        }
        write_text(out.macros, render_macros(macros, "supervised study: feature shapes"))
        log.info("shapes:\n%s", shapes)


if __name__ == "__main__":
    main()
