"""Rule export_random_cnn: table, macros and figure of the random-CNN study."""

from typing import TYPE_CHECKING

import pandas as pd

from genrelearn.io import read_json, write_text
from genrelearn.logs import log_to_file
from genrelearn.report.figures import save_figure
from genrelearn.report.macros import render_macros
from genrelearn.report.random_cnn_report import accuracy_figure, macros, results_frame
from genrelearn.report.tables import to_latex

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log:
        summary = read_json(snakemake.input.summary)
        published = pd.read_csv(snakemake.input.published) if snakemake.input.published else None
        frame = results_frame(summary, published)
        n_pub = 0 if published is None else 2
        n_ours = frame.shape[1] - 1 - n_pub
        columns = "l" + "S[table-format=3.1(2)]" * n_ours + "S[table-format=2.2]" * n_pub + "r"
        write_text(snakemake.output.table, to_latex(frame, columns, escape_index=False))
        values = macros(summary, dict(p.settings), published is not None, list(p.main_table))
        write_text(snakemake.output.macros, render_macros(values, "Random CNN study"))
        save_figure(accuracy_figure(summary, published), snakemake.output.figure, dpi=p.dpi)
        log.info(
            "%d rows, %d macros, published numbers %s",
            len(frame),
            len(values),
            "shown" if published is not None else "not shown",
        )


if __name__ == "__main__":
    main()
