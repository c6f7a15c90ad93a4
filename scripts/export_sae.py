"""Rule export_sae: the thesis table, the sweep table and the macros of the SAE study."""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from genrelearn.features import load_frames
from genrelearn.io import read_json, write_text
from genrelearn.logs import log_to_file
from genrelearn.report.macros import format_number, render_macros
from genrelearn.report.sae_report import sweep_frame, thesis_table_frame
from genrelearn.report.tables import to_latex

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    inp = snakemake.input
    with log_to_file(snakemake.log[0]) as log:
        table_summaries = iter(read_json(f) for f in inp.table)
        rows = []
        for noise, column, _ in p.table:
            rows.append((noise, column, {proto: next(table_summaries) for proto in p.protocols}))
        published = pd.read_csv(inp.published)
        thesis = thesis_table_frame(rows, published, p.protocols)
        n_cols = thesis.shape[1]
        write_text(
            snakemake.output.thesis,
            to_latex(thesis, "ll" + "S[table-format=3.1(3)]" * n_cols, escape_index=False),
        )

        sweep_rows = []
        summaries = iter(inp.sweep_summaries)
        histories = iter(inp.sweep_histories)
        for param, points in p.sweeps.items():
            for value, _ in points:
                sweep_rows.append(
                    (param, value, read_json(next(summaries)), pd.read_csv(next(histories)))
                )
        if sweep_rows:
            sweeps = sweep_frame(sweep_rows)
            tex = to_latex(
                sweeps,
                "ll" + "S[table-format=3.1(3)]" + "S[table-format=3.1]" + "S[table-format=3.0]" * 2,
                escape_index=False,
            )
        else:
            tex = "\\begin{tabular}{l}\\toprule no sweep configured \\\\ \\bottomrule\\end{tabular}"
        write_text(snakemake.output.sweeps, tex)

        frames = load_frames(inp.frames)
        base = dict(p.base)
        history = pd.read_csv(inp.base_history)
        by_cell = {(noise, column): s for noise, column, s in rows}
        m = {
            "SaeNumGenres": str(len(set(frames.genres))),
            "SaeNumClips": str(frames.n_clips),
            "SaeNumFrames": f"{len(frames.frames):,}".replace(",", "{,}"),
            "SaeFramesPerStream": "all" if p.max_frames is None else str(p.max_frames),
            "SaeAtoms": str(base["n_atoms"]),
            "SaeLd": f"{base['ld']:g}",
            "SaeLz": f"{base['lz']:g}",
            "SaeLg": f"{base['lg']:g}",
            "SaeLe": f"{base['le']:g}",
            "SaeK": str(base["k"]),
            "SaeRtol": f"{base['rtol']:.0e}".replace("e-0", "e-"),
            "SaeInnerCap": str(p.solver["n_inner"]),
            "SaeOuterCap": str(p.solver["n_outer"]),
            "SaeStep": p.solver["step"],
            "SaeOuterIters": str(len(history)),
            "SaeInnerIters": str(int(history["inner_z"].sum())),
            "SaeNonzeros": format_number(100 * float(history["sparsity"].iloc[-1]), 1),
            "SaeFolds": str(p.n_folds),
            "SaeThesisRepeats": str(p.thesis_splits["n_repeats"]),
            "SaeThesisSplits": str(p.thesis_splits["n_splits"]),
        }
        noises = sorted({noise for noise, _, _ in p.table})
        for proto in p.protocols:
            suffix = "Grouped" if proto == "grouped" else "Thesis"
            for key, column in (
                ("Cqt", "cqt"),
                ("NoGraph", "lg~0"),
                ("Graph", f"lg~{base['lg']:g}"),
            ):
                for tag, noise in (("", noises[0]), ("Noisy", noises[-1])):
                    cell = by_cell.get((noise, column))
                    if cell is not None:
                        m[f"Sae{key}{tag}Acc{suffix}"] = format_number(cell[proto]["accuracy_mean"])
            for tag in ("", "Noisy"):
                graph = m.get(f"SaeGraph{tag}Acc{suffix}")
                plain = m.get(f"SaeNoGraph{tag}Acc{suffix}")
                if graph is not None and plain is not None:
                    m[f"SaeGraphGain{tag}{suffix}"] = format_number(float(graph) - float(plain))
        m["SaeNoiseMax"] = format_number(noises[-1], 1)
        if "graph_stats" in inp.keys():
            stats = read_json(inp.graph_stats)
            with np.load(inp.knn) as knn:
                backend = str(knn["backend"])
                knn_seconds = float(knn["seconds"])
            m.update(
                SaeGraphEdges=f"{stats['n_edges']:,}".replace(",", "{,}"),
                SaeGraphSigma=format_number(stats["sigma"], 3),
                SaeGraphMeanDegree=format_number(stats["mean_degree"], 2),
                SaeGraphBackend=backend,
            )
            log.info("base kNN search took %.1f s (not in the paper: timings vary)", knn_seconds)
        write_text(snakemake.output.macros, render_macros(m, "Structured auto-encoder study."))
        log.info(
            "thesis table %s, %d sweep points, %d macros", thesis.shape, len(sweep_rows), len(m)
        )


if __name__ == "__main__":
    main()
