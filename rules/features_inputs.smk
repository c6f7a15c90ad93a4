# Settings and input functions of the rules in rules/features.smk (Snakemake's linter keeps
# functions and rules in separate files).
def feature_params(wildcards):
    return config["features"][wildcards.feature]
