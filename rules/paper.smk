# The paper: latexmk on paper/paper.tex, its section files and every study's exports. Its
# inputs come from the manuscript itself: the \input{...} and \includegraphics{...} lines of
# paper/paper.tex and of the sections it inputs (genrelearn.report.manuscript). A line that
# ends in "% only: <condition>" is used only when the condition holds (PAPER_CONDITIONS).
# Checked when the DAG is built: every generated file the paper uses is written by a rule,
# and every rule output under results/<dataset>/paper/generated/ is used by the paper.


include: "paper_inputs.smk"


rule paper:
    """Compile the paper with latexmk; fails on undefined references or citations."""
    input:
        unpack(paper_sources),
        code=library_code("build_paper"),
    output:
        pdf=report(
            res("paper/paper.pdf"),
            caption="../paper/captions/paper.rst",
            category="Paper",
        ),
    log:
        logs("paper"),
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        engine=config["paper"]["engine"],
    script:
        "../scripts/build_paper.py"
