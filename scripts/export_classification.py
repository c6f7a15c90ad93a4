"""Rule export_classification: accuracy table, per-class table and macros."""

from typing import TYPE_CHECKING

from genrelearn.io import read_json, write_text
from genrelearn.logs import log_to_file
from genrelearn.report.macros import format_number, macro_name, render_macros
from genrelearn.report.tables import FEATURE_LABELS, accuracy_frame, per_class_frame, to_latex

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main() -> None:
    p = snakemake.params
    with log_to_file(snakemake.log[0]) as log:
        pairs = [
            (k, read_json(f))
            for k, f in zip(p.summary_keys, snakemake.input.summaries, strict=True)
        ]
        macros = {}
        for key, s in pairs:
            parts = (key["feature"], int(key["n_genres"]), key["protocol"])
            macros[macro_name("acc", *parts)] = format_number(s["accuracy_mean"])
            macros[macro_name("std", *parts)] = format_number(s["accuracy_std"])
            macros[macro_name("clip", "acc", *parts)] = format_number(s["clip_accuracy_mean"])
            macros[macro_name("clip", "std", *parts)] = format_number(s["clip_accuracy_std"])
            macros[macro_name("splits", *parts)] = str(s["n_splits"])
        by_key = {(k["feature"], int(k["n_genres"]), k["protocol"]): s for k, s in pairs}
        n_max, protocol = max(p.n_genres), p.protocols[0]
        # The largest subset (all genres) also under size-independent names (...All...), so
        # the paper's prose reads the same whatever subsets a configuration asks for.
        for key, s in pairs:
            if int(key["n_genres"]) == n_max:
                macros[macro_name("acc", key["feature"], "all", key["protocol"])] = format_number(
                    s["accuracy_mean"]
                )
                macros[macro_name("std", key["feature"], "all", key["protocol"])] = format_number(
                    s["accuracy_std"]
                )
                macros[macro_name("clip", "acc", key["feature"], "all", key["protocol"])] = (
                    format_number(s["clip_accuracy_mean"])
                )
        # The leak: thesis minus grouped accuracy, where both protocols ran.
        for feature in p.features:
            for n in p.n_genres:
                if (feature, n, "thesis") in by_key and (feature, n, "grouped") in by_key:
                    gap = (
                        by_key[(feature, n, "thesis")]["accuracy_mean"]
                        - by_key[(feature, n, "grouped")]["accuracy_mean"]
                    )
                    macros[macro_name("leak", feature, n)] = format_number(gap)
                    if n == n_max:
                        macros[macro_name("leak", feature, "all")] = format_number(gap)
        macros["NumGenresAll"] = str(n_max)
        sizes = [str(n) for n in sorted(p.n_genres)]
        macros["SubsetSizes"] = (
            ", ".join(sizes[:-1]) + " and " + sizes[-1] if len(sizes) > 1 else sizes[0]
        )
        macros["SvmC"] = f"{p.svm['C']:g}"
        macros["SvmKernel"] = p.svm["kernel"]
        macros["ThesisRepeats"] = str(p.thesis["n_repeats"])
        macros["ThesisSplits"] = str(p.thesis["n_splits"])
        macros["ThesisTestPercent"] = f"{100 * p.thesis['test_size']:g}"
        macros["GroupedRepeats"] = str(p.grouped["n_repeats"])
        macros["GroupedFolds"] = str(p.grouped["n_splits"])
        macros["HasFaultFiltered"] = "1" if "fault-filtered" in p.protocols else "0"
        grid = [f"{c:g}" for c in p.fault_filtered["C"]]
        macros["FfCGrid"] = ", ".join(grid[:-1]) + " and " + grid[-1] if len(grid) > 1 else grid[0]
        for key, s in pairs:
            if key["protocol"] == "fault-filtered":
                c = f"{s['selected_C']:g}"
                macros[macro_name("ff", "c", key["feature"], int(key["n_genres"]))] = c
                if int(key["n_genres"]) == n_max:
                    macros[macro_name("ff", "c", key["feature"], "all")] = c
        # Best feature on the largest subset under the first (headline) protocol.
        best = max(p.features, key=lambda f: by_key[(f, n_max, protocol)]["accuracy_mean"])
        macros["BestFeature"] = FEATURE_LABELS.get(best, best)
        macros["BestFeatureAcc"] = format_number(by_key[(best, n_max, protocol)]["accuracy_mean"])

        headline = read_json(snakemake.input.headline)
        per_class = per_class_frame(headline)
        genres = per_class.index[:-2]
        f1 = per_class.loc[genres, "F1"]
        macros.update(
            HeadlineFeature=FEATURE_LABELS.get(headline["feature"], headline["feature"]),
            HeadlineAcc=format_number(headline["accuracy_mean"]),
            HeadlineStd=format_number(headline["accuracy_std"]),
            HeadlineMacroFOne=format_number(per_class.loc["macro avg", "F1"]),
            HeadlineBestGenre=str(f1.idxmax()),
            HeadlineBestGenreFOne=format_number(f1.max()),
            HeadlineWorstGenre=str(f1.idxmin()),
            HeadlineWorstGenreFOne=format_number(f1.min()),
        )
        # The structured auto-encoder's base point joins the table on its own genre subset,
        # under its own (smaller) split settings, which the caption states.
        sae_pairs = [
            ({"feature": "sae", "n_genres": p.sae_n_genres, "protocol": s["protocol"]}, s)
            for s in map(read_json, snakemake.input.sae)
        ]
        for key, s in sae_pairs:
            macros[macro_name("acc", "sae", "main", key["protocol"])] = format_number(
                s["accuracy_mean"]
            )
        macros["SaeMainGenres"] = str(p.sae_n_genres)
        macros["SaeMainSplits"] = (
            " and ".join(f"{s['n_splits']} {key['protocol']} splits" for key, s in sae_pairs)
            or "no shared protocol"
        )
        write_text(snakemake.output.macros, render_macros(macros, "Classification results."))

        table = accuracy_frame(pairs + sae_pairs)
        cols = "ll" + "S[table-format=3.1(3)]" * table.shape[1]
        write_text(snakemake.output.accuracy, to_latex(table, cols))
        write_text(
            snakemake.output.perclass,
            to_latex(per_class, "l" + "S[table-format=3.1]" * 3, decimals=1),
        )
        log.info("wrote %d macros and 2 tables", len(macros))


if __name__ == "__main__":
    main()
