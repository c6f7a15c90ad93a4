"""Rule plot_confusion: confusion matrix of the headline classifier."""

from typing import TYPE_CHECKING

import numpy as np

from genrelearn.io import read_json
from genrelearn.logs import log_to_file
from genrelearn.report.figures import confusion_figure, save_figure

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    with log_to_file(snakemake.log[0]) as log:
        summary = read_json(snakemake.input.summary)
        fig = confusion_figure(np.asarray(summary["confusion"]), summary["classes"])
        save_figure(fig, snakemake.output.figure, dpi=snakemake.params.dpi)
        log.info("confusion matrix of %s", snakemake.input.summary)


if __name__ == "__main__":
    main()
