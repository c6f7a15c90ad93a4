"""Rule paper: compile the paper with latexmk from the sources and generated files."""

from typing import TYPE_CHECKING

from genrelearn.logs import log_to_file
from genrelearn.report.latex import build_pdf

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    with log_to_file(snakemake.log[0]) as log:
        build_pdf(
            snakemake.input.tex,
            [snakemake.input.bib, *snakemake.input.sections],
            snakemake.input.generated,
            snakemake.output.pdf,
            engine=snakemake.params.engine,
        )
        log.info("wrote %s", snakemake.output.pdf)


if __name__ == "__main__":
    main()
