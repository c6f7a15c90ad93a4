# Settings and input functions of the rules in rules/sae_full.smk (Snakemake's linter keeps
# functions and rules in separate files).
from genrelearn.config import sae_full_sections
from genrelearn.sae.points import SOLVER_KEYS, base_params, format_value, make_point

SAE_FULL = config["experiments"]["sae_full"]
SAE_FULL_SECTIONS = sae_full_sections(config)
SAE_FULL_GENRES = GENRES[: SAE_FULL["n_genres"]]
SAE_FULL_BASE = base_params(SAE_FULL_SECTIONS["sae"], SAE_FULL_SECTIONS["graph"])
SAE_FULL_SOLVER = {key: SAE_FULL_SECTIONS["sae"][key] for key in SOLVER_KEYS}
# The two points of the experiment, under their plain names in their own folder: the codes
# and the raw CQT frames (its baseline), with the full parameters each model uses.
SAE_FULL_POINTS = {model: make_point(model, {}, SAE_FULL_BASE)[1] for model in ("sae", "cqt")}
SAE_FULL_GRAPH = float(SAE_FULL_POINTS["sae"]["lg"]) != 0


def sae_full_point(wildcards):
    return SAE_FULL_POINTS[wildcards.point]


def sae_full_laplacian(wildcards):
    """The Laplacian over the experiment's frames, when its point uses the graph term."""
    return res("sae_full/graph/laplacian.npz") if SAE_FULL_GRAPH else []


def _mib(path):
    return os.path.getsize(path) / 2**20


def sae_full_fit_mem_mb(wildcards, input):
    """Memory of the fit, from N x m: the frames (N x n float32, stored uncompressed) give N.

    Measured at 1,288,000 x 96, m = 512 (benchmarks/README.md): 3.3 GiB without the graph, with
    2.46 GiB per code-sized buffer, 8.6 GiB with the low-memory graph solver (three buffers
    and L). Asked: two code buffers (four with the graph), four copies of the frames and 2 GiB
    for the rest, so that a scheduler never kills a fit the benchmarks say fits.
    """
    frames = _mib(input.frames)
    codes = (
        frames * int(SAE_FULL_POINTS["sae"]["n_atoms"]) / int(config["features"]["cqt"]["n_bins"])
    )
    laplacian = _mib(input.laplacian[0]) if input.laplacian else 0.0
    return int(2048 + 4 * frames + (4 if SAE_FULL_GRAPH else 2) * codes + 3 * laplacian)


def sae_full_frames_mem_mb(wildcards, input):
    """Memory of a job that reads the frames (and writes as much): a few copies of them."""
    return int(2048 + 6 * _mib(input.frames))


def sae_full_classify_mem_mb(wildcards, input):
    """Memory of a classification: the codes of every frame, dense (N x m float32), twice."""
    dim = int(SAE_FULL_POINTS["sae"]["n_atoms"]) if wildcards.point == "sae" else 1
    n_bins = int(config["features"]["cqt"]["n_bins"])
    return int(2048 + 3 * _mib(input.frames) * max(dim, n_bins) / n_bins)


def sae_full_summary(point):
    return res(f"sae_full/eval/{point}/thesis/summary.json")
