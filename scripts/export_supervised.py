"""Rule export_supervised: tables, macros and figures of the supervised CNN/LSTM study."""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from genrelearn.io import read_json, write_text
from genrelearn.logs import log_to_file
from genrelearn.report.curves import learning_curves_figure
from genrelearn.report.figures import confusion_figure, save_figure
from genrelearn.report.macros import render_macros
from genrelearn.report.supervised_report import (
    FEATURE_SET_LABELS,
    affect_macros,
    best_classification,
    classification_frame,
    classification_macros,
    confusion_title,
    spearman_table,
)
from genrelearn.report.tables import to_latex

if TYPE_CHECKING:
    from snakemake.script import snakemake

NO_AFFECT = (
    "This dataset has no per-clip affect labels (energy, danceability, valence), so the "
    "regression, transfer and multitask experiments are run on the synthetic dataset only."
)


def main() -> None:
    p = snakemake.params
    inp = snakemake.input
    out = snakemake.output
    with log_to_file(snakemake.log[0]) as log:
        classify = read_json(inp.classify_metrics)
        runs = classify["runs"]
        table = classification_frame(runs)
        write_text(
            out.classify,
            to_latex(table, "ll" + "S[table-format=3.1]" * 5 + "S[table-format=3]", decimals=1),
        )
        macros = classification_macros(runs)
        histories = pd.read_csv(inp.classify_histories)
        curves = {name: group for name, group in histories.groupby("run", sort=False)}
        best = best_classification(runs)
        save_figure(
            confusion_figure(np.asarray(best["confusion"]), best["classes"]), out.confusion, p.dpi
        )
        macros["SupConfusionTitle"] = confusion_title(best)
        if "affect_spearman" in inp.keys():
            spearman = pd.read_csv(inp.affect_spearman)
            seen = set(spearman["target"])
            targets = [t for t in ("energy", "danceability", "valence") if t in seen]
            write_text(
                out.affect,
                to_latex(
                    spearman_table(spearman, targets),
                    "ll" + "S[table-format=-1.2]" * (len(targets) + 1),
                    decimals=2,
                ),
            )
            macros.update(affect_macros(spearman, targets))
            macros["SupAffectNote"] = (
                "Affect regression uses the synthetic clips' energy, danceability and valence."
            )
            macros["SupAffectAvailable"] = "1"
            affect_hist = pd.read_csv(inp.affect_histories)
            for name, group in affect_hist.groupby("run", sort=False):
                if name.startswith("multitask/"):
                    curves[name] = group
        else:
            write_text(
                out.affect,
                "\\begin{tabular}{l}\n\\toprule\nNo affect labels in this dataset.\\\\\n"
                "\\bottomrule\n\\end{tabular}\n",
            )
            macros["SupAffectNote"] = NO_AFFECT
            macros["SupAffectAvailable"] = "0"
        titles = {}
        for name in curves:
            parts = name.split("/")
            if len(parts) == 2:
                titles[name] = f"{parts[0].upper()}, {FEATURE_SET_LABELS.get(parts[1], parts[1])}"
            else:
                titles[name] = f"{parts[1].upper()}, {parts[0]} ({p.affect_feature_set})"
        save_figure(
            learning_curves_figure({titles[k]: v for k, v in curves.items()}, ncols=4),
            out.curves,
            p.dpi,
        )
        s = p.settings
        macros.update(
            SupEpochs=str(p.epochs),
            SupPatience=str(p.patience),
            SupLearningRate=f"\\num{{{p.lr:g}}}",
            SupBatchSize=str(s["batch_size"]),
            SupMaxFrames="all" if p.max_frames is None else str(p.max_frames),
            SupChannels="/".join(str(c) for c in s["cnn"]["channels"]),
            SupCnnFeatureSize=str(s["cnn"]["feature_size"]),
            SupLstmHidden=str(s["lstm"]["hidden_size"]),
            SupLstmDirections="bidirectional" if s["lstm"]["bidirectional"] else "unidirectional",
            SupDevice=classify["device"].split(":")[0].upper(),
            SupAffectFeatureSet=FEATURE_SET_LABELS[p.affect_feature_set],
        )
        write_text(out.macros, render_macros(macros, "supervised CNN/LSTM study"))
        log.info("best classifier: %s %.3f", confusion_title(best), best["accuracy"])


if __name__ == "__main__":
    main()
