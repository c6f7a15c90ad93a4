"""Table, macros and figure of the random-CNN study (architecture x {SVM, ELM}, MFCC baseline)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from genrelearn.report.figures import STYLE
from genrelearn.report.macros import format_number, macro_name
from genrelearn.report.tables import PROTOCOL_LABELS, pm

#: Row labels (LaTeX) of the methods, in the table's order.
METHOD_LABELS = {
    "vgg": r"VGG $3\times3$",
    "vertical_7x86": r"vertical $7\times86$",
    "vertical_7x96": r"vertical $7\times96$",
    "timbral": "timbral",
    "temporal": "temporal",
    "timbral_temporal": "timbral + temporal",
    "sample_level": "sample-level",
    "frame_level": "frame-level",
    "frame_level_many": "frame-level, many shapes",
    "mfcc120": "MFCC (120)",
}
BACKEND_LABELS = {"svm": "SVM", "elm": "ELM"}


def headline_protocol(protocols: Sequence[str]) -> str:
    """The protocol the text quotes: fault-filtered when run, else grouped."""
    return "fault-filtered" if "fault-filtered" in protocols else "grouped"


def _rows(summary: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(summary["rows"])


def results_frame(
    summary: Mapping[str, Any], published: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Accuracy (mean +- std over seeds x folds) per method, back-end and protocol.

    Columns are ``<protocol> SVM`` / ``<protocol> ELM`` (one pair per protocol), then the
    published SVM and ELM accuracies of Pons & Serra when ``published`` is given (rows:
    ``method``, columns ``svm``, ``elm``), and the feature dimension.
    """
    rows = _rows(summary)
    methods = [m for m in METHOD_LABELS if m in set(rows["method"])]
    table: dict[str, dict[str, str]] = {METHOD_LABELS[m]: {} for m in methods}
    columns = []
    for protocol in summary["protocols"]:
        for backend in ("svm", "elm"):
            col = f"{PROTOCOL_LABELS.get(protocol, protocol)} {BACKEND_LABELS[backend]}"
            columns.append(col)
            for method in methods:
                hit = rows[
                    (rows["protocol"] == protocol)
                    & (rows["method"] == method)
                    & (rows["backend"] == backend)
                ]
                cell = ""
                if len(hit):
                    r = hit.iloc[0]
                    one = int(r["n_scores"]) == 1
                    cell = (
                        format_number(r["accuracy_mean"])
                        if one
                        else pm(r["accuracy_mean"], r["accuracy_std"])
                    )
                table[METHOD_LABELS[method]][col] = cell
    if published is not None:
        pub = published.set_index("method")
        for backend in ("svm", "elm"):
            col = f"{BACKEND_LABELS[backend]} (Pons \\& Serra)"
            columns.append(col)
            for method in methods:
                value = pub[backend].get(method, np.nan) if backend in pub else np.nan
                table[METHOD_LABELS[method]][col] = (
                    "" if pd.isna(value) else format_number(float(value), 1)
                )
    dims = rows.drop_duplicates("method").set_index("method")["dim"]
    for method in methods:
        table[METHOD_LABELS[method]]["Dim."] = str(int(dims[method]))
    frame = pd.DataFrame.from_dict(table, orient="index")[[*columns, "Dim."]]
    frame.index.name = "Front-end"
    return frame


def method_macro(prefix: str, method: str, backend: str) -> str:
    """Letters-only macro name of a method's number, e.g. ``RcnnAccMfccOneHundredTwentySvm``."""
    parts = [t for t in re.split(r"(\d+)", method) if t]
    return macro_name("rcnn", prefix, *parts, backend)


def _gamma_tex(gamma: Any) -> str:
    if gamma == "auto":
        return "1/d"
    exponent = math.log2(float(gamma))
    return f"2^{{{int(exponent)}}}" if exponent.is_integer() else f"{float(gamma):g}"


def _setting_macros(settings: Mapping[str, Any]) -> dict[str, str]:
    """Input and back-end settings as macros, so the text follows the configuration."""
    out: dict[str, str] = {}
    mel = settings.get("mel12k")
    if mel:
        out.update(
            RcnnRateKhz=f"{mel['target_rate'] / 1000:g}",
            RcnnNfft=str(mel["n_fft"]),
            RcnnHop=str(mel["hop_length"]),
            RcnnBands=str(mel["n_mels"]),
            RcnnFminHz=f"{float(mel['fmin']):g}",
            RcnnFmaxKhz=f"{float(mel['fmax'] or mel['target_rate'] / 2) / 1000:g}",
        )
    mfcc = settings.get("mfcc120")
    if mfcc:
        out.update(
            RcnnMfccN=str(mfcc["n_mfcc"]),
            RcnnMfccDims=str(6 * int(mfcc["n_mfcc"])),
            RcnnMfccRateKhz=f"{mfcc['target_rate'] / 1000:g}",
        )
    svm = settings.get("svm")
    if svm:
        out["RcnnSvmC"] = ", ".join(f"{float(c):g}" for c in svm["C"])
        out["RcnnSvmGamma"] = ", ".join(_gamma_tex(g) for g in svm["gamma"])
        out["RcnnSvmKernels"] = (
            "an RBF kernel and a linear kernel" if svm.get("linear", True) else "an RBF kernel"
        )
    elm = settings.get("elm")
    if elm:
        hidden = sorted(int(h) for h in elm["n_hidden"])
        out["RcnnElmHidden"] = f"{hidden[0]} to {hidden[-1]}" if len(hidden) > 1 else str(hidden[0])
    return out


def macros(
    summary: Mapping[str, Any],
    settings: Mapping[str, Any],
    published_shown: bool,
    main_table: Sequence[str] = (),
) -> dict[str, str]:
    r"""``\newcommand`` bodies: settings, headline accuracies, best front-end.

    ``main_table`` lists the methods (``rcnn_<architecture>`` or ``mfcc120``) that are also rows
    of the main accuracy table, for a sentence that names them.
    """
    rows = _rows(summary)
    protocol = headline_protocol(summary["protocols"])
    head = rows[rows["protocol"] == protocol]
    out = {
        "RcnnBudget": str(settings["budget"]),
        "RcnnSeeds": str(settings["n_seeds"]),
        "RcnnCrop": "the whole clip"
        if settings["crop_seconds"] is None
        else f"the first {format_number(float(settings['crop_seconds']), 1)}\\,s",
        "RcnnNumArchs": str(len(settings["architectures"])),
        "RcnnProtocol": protocol,
        "RcnnNumClips": str(summary["n_clips"]),
        "RcnnNumGenres": str(len(summary["classes"])),
        "RcnnFolds": str(summary["grouped"]["n_splits"]),
        "RcnnRepeats": str(summary["grouped"]["n_repeats"]),
        "RcnnValidPercent": format_number(100 * float(summary["grouped"]["valid_size"]), 0),
        "RcnnQuirk": "reproduce" if settings["frame_level_quirk"] else "do not reproduce",
        "RcnnScaling": "standardised (fit on the training clips)"
        if settings["scaling"] == "standard"
        else "not normalised",
    }
    out.update(_setting_macros(settings))
    for _, r in head.iterrows():
        out[method_macro("acc", r["method"], r["backend"])] = format_number(r["accuracy_mean"])
        out[method_macro("std", r["method"], r["backend"])] = format_number(r["accuracy_std"])
    cnn = head[head["method"] != "mfcc120"]
    for backend in ("svm", "elm"):
        sub = cnn[cnn["backend"] == backend]
        if len(sub):
            best = sub.loc[sub["accuracy_mean"].idxmax()]
            tag = BACKEND_LABELS[backend]
            out[f"RcnnBest{tag.title()}Arch"] = METHOD_LABELS[best["method"]]
            out[f"RcnnBest{tag.title()}Acc"] = format_number(best["accuracy_mean"])
    svm = head[head["backend"] == "svm"].set_index("method")["accuracy_mean"]
    elm = head[head["backend"] == "elm"].set_index("method")["accuracy_mean"]
    common = [m for m in svm.index if m in elm.index and m != "mfcc120"]
    out["RcnnSvmWins"] = str(int(sum(svm[m] > elm[m] for m in common)))
    out["RcnnCompared"] = str(len(common))
    if "mfcc120" in svm.index:
        out["RcnnBeatMfcc"] = str(int(sum(svm[m] > svm["mfcc120"] for m in common)))
    out["RcnnPublishedNote"] = (
        "The last two accuracy columns are Pons and Serra's own GTZAN fault-filtered results "
        "(3585 dimensions, read off their figure; the MFCC value is from their text), quoted "
        "for comparison."
        if published_shown
        else "Pons and Serra's published accuracies are on GTZAN's fault-filtered split; they "
        "are not comparable with these numbers on another dataset or protocol and are not shown."
    )
    names = [METHOD_LABELS.get(m.removeprefix("rcnn_"), m) for m in main_table]
    out["RcnnMainTableNote"] = (
        "Seed 0 of "
        + (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])
        + " also appears in the main accuracy table (Table~\\ref{tab:accuracy}), scored by the "
        "common linear SVM under every protocol; random weights are fitted to no data, so those "
        "rows are honest under the thesis protocol too."
        if names
        else ""
    )
    return out


def accuracy_figure(summary: Mapping[str, Any], published: pd.DataFrame | None = None) -> Figure:
    """Accuracy per front-end (mean +- std over seeds x folds), SVM vs ELM, MFCC line."""
    import matplotlib.pyplot as plt

    rows = _rows(summary)
    protocol = headline_protocol(summary["protocols"])
    head = rows[rows["protocol"] == protocol]
    methods = [m for m in METHOD_LABELS if m in set(head["method"]) and m != "mfcc120"]
    x = np.arange(len(methods))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.5, 2.6))
        for offset, backend, marker in ((-0.12, "svm", "o"), (0.12, "elm", "s")):
            sub = head[head["backend"] == backend].set_index("method")
            ax.errorbar(
                x + offset,
                [sub.loc[m, "accuracy_mean"] for m in methods],
                yerr=[sub.loc[m, "accuracy_std"] for m in methods],
                fmt=marker,
                ms=4,
                capsize=2,
                label=f"{BACKEND_LABELS[backend]} (ours)",
            )
        mfcc = head[(head["method"] == "mfcc120") & (head["backend"] == "svm")]
        if len(mfcc):
            ax.axhline(float(mfcc["accuracy_mean"].iloc[0]), color="k", ls="--", lw=0.8)
            ax.text(
                len(methods) - 0.5,
                float(mfcc["accuracy_mean"].iloc[0]),
                "MFCC + SVM",
                ha="right",
                va="bottom",
                fontsize=7,
            )
        if published is not None:
            pub = published.set_index("method")
            for offset, backend, marker in ((-0.12, "svm", "o"), (0.12, "elm", "s")):
                ys = [pub[backend].get(m, np.nan) for m in methods]
                ax.plot(
                    x + offset,
                    ys,
                    marker,
                    mfc="none",
                    color="gray",
                    ms=5,
                    label=f"{BACKEND_LABELS[backend]} (Pons & Serra)",
                )
        ax.set_xticks(x)
        ax.set_xticklabels([METHOD_LABELS[m] for m in methods], rotation=30, ha="right")
        ax.set_ylabel("accuracy (%)")
        ax.set_title(f"{len(summary['classes'])} genres, {PROTOCOL_LABELS.get(protocol, protocol)}")
        ax.legend(fontsize=6, ncol=2, loc="lower left")
        ax.grid(axis="y", lw=0.3)
    return fig
