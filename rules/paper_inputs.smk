# Settings and input functions of the rules in rules/paper.smk (Snakemake's linter keeps
# functions and rules in separate files).
from genrelearn.report.manuscript import check_against_rules, manuscript_inputs

PAPER_TEX = "paper/paper.tex"
PAPER_CONDITIONS = {
    "synth": SOURCE == "synth",
    "gtzan": SOURCE == "gtzan",
    # the thesis's full-scale experiment (hours at GTZAN's size), off by default
    "sae_full": config["experiments"]["sae_full"]["enabled"],
}


def paper_sources(wildcards):
    """The manuscript's sources and generated inputs, checked against the workflow's rules."""
    found = manuscript_inputs(Path(workflow.basedir) / PAPER_TEX, PAPER_CONDITIONS)
    check_against_rules(
        found,
        {
            r.name: [str(o) for o in r.output if str(o).startswith(f"{GEN}/")]
            for r in workflow.rules
        },
        GEN,
    )
    return {
        "tex": PAPER_TEX,
        "bib": "paper/refs.bib",
        "sections": [f"paper/{i.name}" for i in found if not i.generated and i.used],
        "generated": [gen(i.name) for i in found if i.generated and i.used],
    }
