# Settings and input functions of the rules in rules/sae.smk (Snakemake's linter keeps
# functions and rules in separate files).
from genrelearn.sae.points import (
    SOLVER_KEYS,
    THESIS_GRID,
    base_params,
    format_value,
    make_point,
    study_points,
    sweep_points,
    thesis_table_points,
)

SAE_BASE = base_params(config["sae"], config["graph"])
SAE_GENRES = GENRES[: config["sae"]["n_genres"]]
SAE_SOLVER = {key: config["sae"][key] for key in SOLVER_KEYS}
SWEEPS = sweep_points(
    THESIS_GRID if config["experiments"]["grid"] == "thesis" else config["experiments"]["sweeps"],
    SAE_BASE,
)
THESIS_TABLE = thesis_table_points(
    config["experiments"]["thesis_table"]["noise"],
    config["experiments"]["thesis_table"]["lg"],
    SAE_BASE,
)
POINTS = study_points(SAE_BASE, SWEEPS, THESIS_TABLE)
BASE_POINT = make_point("sae", {}, SAE_BASE)[0]
FOLD_PARTS = [
    f"r{r}f{f}"
    for r in range(config["sae"]["grouped"]["n_repeats"])
    for f in range(config["sae"]["grouped"]["n_splits"])
]


wildcard_constraints:
    point=r"(sae|cqt)(_[a-z_]+~[-+.e0-9]+)*",
    part=r"all|r\d+f\d+",
    noise=r"[-+.e0-9]+",
    k=r"\d+",


# ---- the kNN graph ------------------------------------------------------------------------------


def fold_of_part(wildcards):
    """(repeat, fold) of a part, or None for the transductive part 'all'."""
    if wildcards.part == "all":
        return None
    rep, fold = wildcards.part[1:].split("f")
    return [int(rep), int(fold)]


def splits_if_fold(wildcards):
    return [] if wildcards.part == "all" else res("sae/splits.json")


# ---- dictionary learning and its evaluation ---------------------------------------------------


def point_params(wildcards):
    if wildcards.point not in POINTS:
        raise ValueError(
            f"unknown experiment point {wildcards.point!r}: not a sweep or thesis-table point "
            "of this configuration"
        )
    return POINTS[wildcards.point]


def laplacian_of_point(wildcards):
    params = point_params(wildcards)
    if params["model"] != "sae" or float(params["lg"]) == 0:
        return []
    return res(
        f"graph/{wildcards.part}/noise~{format_value(params['noise'])}/"
        f"laplacian_k~{int(params['k'])}.npz"
    )


def train_codes_of_part(wildcards):
    """How a fold codes its training clips; irrelevant (None) for the transductive part."""
    return None if wildcards.part == "all" else config["sae"]["grouped"]["train_codes"]


def parts_for_protocol(wildcards):
    return ["all"] if wildcards.protocol == "thesis" else FOLD_PARTS


def codes_for_protocol(wildcards):
    return [
        res(f"sae/{part}/{wildcards.point}/codes.npz") for part in parts_for_protocol(wildcards)
    ]


# ---- exports ----------------------------------------------------------------------------------


def sae_summary(point, protocol):
    return res(f"sae/eval/{point}/{protocol}/summary.json")


def sae_main_table_summaries(wildcards):
    """The SAE's base point under the protocols it shares with the main accuracy table."""
    return [
        sae_summary(BASE_POINT, protocol)
        for protocol in config["classify"]["protocols"]
        if protocol in config["sae"]["protocols"]
    ]


def thesis_table_summaries():
    return [
        sae_summary(name, protocol)
        for _, _, name in THESIS_TABLE
        for protocol in config["sae"]["protocols"]
    ]


def sweep_summaries():
    return [sae_summary(name, "thesis") for values in SWEEPS.values() for _, name in values]


def sweep_histories():
    return [res(f"sae/all/{name}/history.csv") for values in SWEEPS.values() for _, name in values]


def base_graph_files():
    """kNN result and graph statistics of the base point (transductive), if it uses a graph."""
    params = POINTS[BASE_POINT]
    if float(params["lg"]) == 0:
        return {}
    stem = res(f"graph/all/noise~{format_value(params['noise'])}")
    return {
        "knn": f"{stem}/knn_k~{int(params['k'])}.npz",
        "graph_stats": f"{stem}/laplacian_k~{int(params['k'])}.json",
    }


def sae_figure_inputs(wildcards):
    base = res(f"sae/all/{BASE_POINT}")
    return {
        "convergence": {"history": f"{base}/history.csv"},
        "atoms": {"model": f"{base}/model.npz", "codes": f"{base}/codes.npz"},
        "sweeps": {"summaries": sweep_summaries(), "histories": sweep_histories()},
        "codes": {"codes": f"{base}/codes.npz", "frames": res("sae/frames.npz")},
    }[wildcards.figure]


def sweeps_of_figure(wildcards):
    """The sweeps for the sweep figure, nothing for the others (a sweep edit redraws it only)."""
    return SWEEPS if wildcards.figure == "sweeps" else {}


def example_clip_of_figure(wildcards):
    """The example clip for the codes figure, none for the others (its edit redraws it only)."""
    return config["figures"]["example_clip"] if wildcards.figure == "codes" else None
