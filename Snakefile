# genrelearn: feature learning for music genre recognition, reproduced from raw audio.
# `snakemake --cores all` (or `make paper`) builds results/<dataset>/paper/paper.pdf.
# One rules file per study (rules/<study>.smk, its settings and input functions beside it in
# rules/<study>_inputs.smk); rules/common.smk validates the configuration before any rule is
# defined. docs/architecture.md is the map.
# Rerun policy: config values reach rules through params: (params trigger); each rule also
# declares its script and the library modules it imports as its `code` input, compared by
# content (library_code() in rules/common.smk), so editing a module under src/genrelearn
# reruns exactly the rules that import it. Compute jobs write <output>.prov.json beside
# each result (genrelearn.provenance).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "paper/captions/workflow.rst"


# The shared core first; a study after the studies whose functions it uses (the baselines
# table reads the SAE's rows); the paper, which reads every study's exports, last.
include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/features.smk"
include: "rules/sae.smk"
include: "rules/sae_full.smk"
include: "rules/baselines.smk"
include: "rules/random_cnn.smk"
include: "rules/deep_generative.smk"
include: "rules/supervised.smk"
include: "rules/paper.smk"


onstart:
    # librosa's numba functions, compiled once for this CPU before any job starts; each job
    # then copies them into a private cache folder (genrelearn.jitcache).
    from genrelearn.jitcache import warm

    warm()


rule all:
    """The paper, with every table, figure and number regenerated."""
    default_target: True
    input:
        res("paper/paper.pdf"),
    localrule: True
