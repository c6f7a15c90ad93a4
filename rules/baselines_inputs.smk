# Settings and input functions of the rules in rules/baselines.smk (Snakemake's linter keeps
# functions and rules in separate files).
def pooling_method(wildcards):
    return config["classify"]["pooling"]["method"][wildcards.feature]


def vectors_for(wildcards):
    """Clip vectors of a raw feature (pooled frames) or of a learned method (its own rule)."""
    if wildcards.feature in LEARNED:
        return res(f"learned/{wildcards.feature}/vectors.npz")
    return res(f"classify/{wildcards.feature}/vectors.npz")


def split_for_protocol(wildcards):
    """The published split a protocol is evaluated on (none for the random-split protocols)."""
    return published_split_if([wildcards.protocol])


def subset_genres(wildcards):
    return GENRES[: int(wildcards.ngenres)]


def protocol_settings(wildcards):
    return config["classify"][wildcards.protocol.replace("-", "_")]


# ---- exports ----------------------------------------------------------------------------------


def classification_keys():
    """(feature, n_genres, protocol) of every classification job, in a fixed order."""
    return [
        {"feature": f, "n_genres": n, "protocol": p}
        for f in CLASSIFIED
        for n in config["classify"]["n_genres"]
        for p in config["classify"]["protocols"]
    ]


def classification_summaries():
    return [
        res(f"classify/{k['feature']}/g{k['n_genres']}/{k['protocol']}/summary.json")
        for k in classification_keys()
    ]


def headline_summary():
    """Summary behind the confusion figure and per-class table: all genres, honest protocol."""
    protocol = "grouped" if "grouped" in config["classify"]["protocols"] else "thesis"
    feature = config["figures"]["headline_feature"]
    if feature not in FEATURES:
        feature = FEATURES[0]
    n = max(config["classify"]["n_genres"])
    return res(f"classify/{feature}/g{n}/{protocol}/summary.json")
