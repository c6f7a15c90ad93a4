"""Rule export_synth_table: the synthetic genres' design and their clips' attributes."""

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from genrelearn.io import write_text
from genrelearn.logs import log_to_file
from genrelearn.report.tables import attribute_frame, synth_design_frames, to_latex

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log:
        ranges, choices = synth_design_frames(p.genres, p.spread)
        tex = "\n\\medskip\n".join(
            frame.reset_index().style.hide(axis="index").to_latex(column_format=fmt, hrules=True)
            for frame, fmt in (
                (ranges, "l" + "c" * ranges.shape[1]),
                (choices, "l" * (choices.shape[1] + 1)),
            )
        )
        write_text(snakemake.output.design, tex)
        metadata = pd.read_csv(Path(snakemake.input.audio) / "metadata.csv")
        attributes = attribute_frame(metadata)
        write_text(
            snakemake.output.attributes, to_latex(attributes, "l" + "S[table-format=1.2(2)]" * 3)
        )
        log.info("design of %d genres; attributes of %d clips", len(ranges), len(metadata))


if __name__ == "__main__":
    main()
