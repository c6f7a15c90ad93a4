# Settings and input functions of the rules in rules/deep_generative.smk (Snakemake's linter keeps
# functions and rules in separate files).
DEEP_GENERATIVE = ("dbn", "convrbm", "vae")


def deep_dbn_params():
    """Keyword arguments of genrelearn.models.dbn.DBN from the config (deep.dbn)."""
    dbn = config["deep"]["dbn"]
    return {
        "hidden": list(dbn["hidden"]),
        "pretrain_epochs": dbn["pretrain"]["epochs"],
        "pretrain_lr": dbn["pretrain"]["lr"],
        "momentum": dbn["pretrain"]["momentum"],
        "cd_k": dbn["pretrain"]["cd_k"],
        "finetune_epochs": dbn["finetune"]["epochs"],
        "finetune_lr": dbn["finetune"]["lr"],
        "patience": dbn["finetune"]["patience"],
        "batch_size": dbn["batch_size"],
    }


# ---- exports ----------------------------------------------------------------------------------


def deep_generative_results(wildcards):
    """Compute outputs behind the deep generative tables and macros (and the main-table rows)."""
    n = max(config["classify"]["n_genres"])
    summaries = {
        f"summary_{m}": res(f"classify/{m}/g{n}/grouped/summary.json")
        for m in DEEP_GENERATIVE
        if m in LEARNED and "grouped" in config["classify"]["protocols"]
    }
    return {
        "dbn_scores": res("deep/dbn/layers/scores.csv"),
        "dbn_finetune": res("deep/dbn/layers/finetune_history.csv"),
        "convrbm_scores": res("deep/convrbm/pooling_scores.csv"),
        "vae_scores": res("deep/vae/scores.csv"),
        "vae_history": res("deep/vae/history.csv"),
        **summaries,
    }


def deep_generative_figure_inputs(wildcards):
    """Histories for the training-curve figure, clip vectors for the t-SNE figure."""
    if wildcards.figure == "curves":
        return {
            "dbn_pretrain": res("deep/dbn/pretrain_history.csv"),
            "dbn_finetune": res("deep/dbn/layers/finetune_history.csv"),
            "convrbm": res("deep/convrbm/history.csv"),
            "vae": res("deep/vae/history.csv"),
        }
    return {m: res(f"learned/{m}/vectors.npz") for m in DEEP_GENERATIVE}
