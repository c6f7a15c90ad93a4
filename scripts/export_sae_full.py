"""Rule export_sae_full: the macros and table of the full-scale experiment of the SAE study."""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from genrelearn.io import read_json, write_text
from genrelearn.logs import log_to_file
from genrelearn.report.macros import format_number, render_macros
from genrelearn.report.sae_full_report import change_word, full_scale_frame
from genrelearn.report.tables import to_latex

if TYPE_CHECKING:
    from snakemake.script import snakemake


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", "{,}")


def main() -> None:
    p = snakemake.params
    inp = snakemake.input
    with log_to_file(snakemake.log[0]) as log:
        summaries = {"sae": read_json(inp.sae), "cqt": read_json(inp.cqt)}
        published = pd.read_csv(inp.published)
        table = full_scale_frame(summaries, published)
        write_text(
            snakemake.output.table,
            to_latex(table, "l" + "S[table-format=3.1(3)]" * table.shape[1]),
        )
        with np.load(inp.frames) as data:  # the offsets and genres only, not the frames
            offsets = data["offsets"]
            genres = data["genres"]
        history = pd.read_csv(inp.history)
        point = dict(p.point)
        ours = {k: s["accuracy_mean"] for k, s in summaries.items()}
        theirs = published.set_index("features")["accuracy_mean"]
        m = {
            "SaeFullNumGenres": str(len(set(genres.tolist()))),
            "SaeFullNumClips": str(len(offsets) - 1),
            "SaeFullNumFrames": thousands(int(offsets[-1])),
            "SaeFullFramesPerStream": "all" if p.max_frames is None else str(p.max_frames),
            "SaeFullAtoms": str(point["n_atoms"]),
            "SaeFullLd": f"{point['ld']:g}",
            "SaeFullLz": f"{point['lz']:g}",
            "SaeFullLg": f"{point['lg']:g}",
            "SaeFullLe": f"{point['le']:g}",
            "SaeFullNumVectors": str(point["n_vectors"]),
            "SaeFullRtol": f"{point['rtol']:.0e}".replace("e-0", "e-"),
            "SaeFullOuterCap": str(p.solver["n_outer"]),
            "SaeFullOuterIters": str(len(history)),
            "SaeFullInnerIters": str(int(history["inner_z"].sum())),
            "SaeFullNonzeros": format_number(100 * float(history["sparsity"].iloc[-1]), 1),
            "SaeFullThesisRepeats": str(p.thesis_splits["n_repeats"]),
            "SaeFullThesisSplits": str(p.thesis_splits["n_splits"]),
            "SaeFullCqtAcc": format_number(ours["cqt"]),
            "SaeFullCqtStd": format_number(summaries["cqt"]["accuracy_std"]),
            "SaeFullAcc": format_number(ours["sae"]),
            "SaeFullStd": format_number(summaries["sae"]["accuracy_std"]),
            "SaeFullChange": change_word(ours["cqt"], ours["sae"]),
            "SaeFullPubCqtAcc": format_number(float(theirs["cqt"]), 0),
            "SaeFullPubAcc": format_number(float(theirs["sae"]), 0),
            "SaeFullPubChange": change_word(float(theirs["cqt"]), float(theirs["sae"]), 0),
        }
        write_text(
            snakemake.output.macros,
            render_macros(m, "Full-scale experiment of the structured auto-encoder."),
        )
        log.info(
            "full scale: %d clips, %s frames; CQT %.1f %%, codes %.1f %%",
            len(offsets) - 1,
            m["SaeFullNumFrames"],
            ours["cqt"],
            ours["sae"],
        )


if __name__ == "__main__":
    main()
