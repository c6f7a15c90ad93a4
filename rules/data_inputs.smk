# Settings and input functions of the rules in rules/data.smk (Snakemake's linter keeps
# functions and rules in separate files).
GTZAN_RESOURCES = "resources/gtzan"


def audio_root(wildcards):
    """Folder holding genres/<genre>/..., made by the dataset's source rule (or the user's)."""
    if SOURCE == "synth":
        return res("audio")
    if config["dataset"]["root"] is not None:
        return config["dataset"]["root"]
    return f"{GTZAN_RESOURCES}/audio"


def gtzan_split_urls(wildcards):
    return [url.replace("{subset}", wildcards.subset) for url in config["gtzan"]["splits"]["urls"]]


def gtzan_split_md5(wildcards):
    return {"md5": config["gtzan"]["splits"]["md5"][wildcards.subset]}


def gtzan_archive(wildcards):
    """The archive to extract: the user's copy (dataset.archive) or the downloaded one."""
    return config["dataset"]["archive"] or f"{GTZAN_RESOURCES}/genres.tar.gz"


def gtzan_split_lists(wildcards):
    """The three fault-filtered lists: the user's copies (dataset.split_lists) or downloads."""
    folder = config["dataset"]["split_lists"] or f"{GTZAN_RESOURCES}/splits"
    return {s: f"{folder}/{s}_filtered.txt" for s in ("train", "valid", "test")}


# ---- exports ----------------------------------------------------------------------------------


def split_summary_if_used(wildcards):
    """Counts of the fault-filtered split, for the paper, when that protocol is run."""
    if "fault-filtered" in config["classify"]["protocols"]:
        return res("splits/fault-filtered.json")
    return []
