"""Rule export_deep_generative: DBN and ConvRBM tables, macros of the deep generative models."""

from typing import TYPE_CHECKING

import pandas as pd

from genrelearn.io import read_json, write_text
from genrelearn.logs import log_to_file
from genrelearn.report.deep_report import POOLING_LABELS, convrbm_frame, dbn_layer_frame
from genrelearn.report.macros import format_number, macro_name, render_macros
from genrelearn.report.tables import to_latex

if TYPE_CHECKING:
    from snakemake.script import snakemake


def _pct(values: pd.Series) -> str:
    return format_number(100 * float(values.mean()))


def _layer(layer: str) -> str:
    """``L1`` -> ``layer 1`` (macro names spell numbers out); other names unchanged."""
    return f"layer {layer[1:]}" if layer[:1] == "L" and layer[1:].isdigit() else layer


def main() -> None:
    p = snakemake.params
    inp = snakemake.input
    out = snakemake.output
    deep = p.deep
    with log_to_file(snakemake.log[0]) as log:
        dbn_scores = pd.read_csv(inp.dbn_scores)
        published = pd.read_csv(inp.published)
        # Hamel & Eck's column only on GTZAN: on the synthetic set the data differ entirely.
        on_gtzan = p.source == "gtzan"
        dbn = dbn_layer_frame(dbn_scores, published if on_gtzan else None)
        write_text(out.dbn, to_latex(dbn, "l" + "S[table-format=3.1(3)]" * dbn.shape[1]))
        conv_scores = pd.read_csv(inp.convrbm_scores)
        conv = convrbm_frame(conv_scores)
        write_text(out.convrbm, to_latex(conv, "lrS[table-format=3.1(3)]S[table-format=3.1(3)]"))

        d, c, v = deep["dbn"], deep["convrbm"], deep["vae"]
        hidden = [int(h) for h in d["hidden"]]
        m = {
            "DeepFolds": str(deep["folds"]["n_splits"]),
            "DeepRepeats": str(deep["folds"]["n_repeats"]),
            "DeepValidPercent": format_number(100 * deep["valid_fraction"], 0),
            "DeepSeed": str(deep["seed"]),
            "DeepDftNfft": str(p.dft["n_fft"]),
            "DeepDftHop": str(p.dft["hop_length"]),
            "DeepDftBins": str(p.dft["n_fft"] // 2 + 1),
            "DeepMelBands": str(p.mel64["n_mels"]),
            "DeepMelNfft": str(p.mel64["n_fft"]),
            "DeepMelHop": str(p.mel64["hop_length"]),
            "DeepDbnLayers": str(len(hidden)),
            "DeepDbnUnits": " / ".join(str(h) for h in hidden),
            "DeepDbnPretrainEpochs": str(d["pretrain"]["epochs"]),
            "DeepDbnPretrainLr": f"{d['pretrain']['lr']:g}",
            "DeepDbnCdK": str(d["pretrain"]["cd_k"]),
            "DeepDbnFinetuneEpochs": str(d["finetune"]["epochs"]),
            "DeepDbnFinetuneLr": f"{d['finetune']['lr']:g}",
            "DeepDbnPatience": str(d["finetune"]["patience"]),
            "DeepDbnFrameStep": str(d["frame_step"]),
            "DeepDbnWindow": format_number(d["window_seconds"], 1),
            "DeepDbnBatch": str(d["batch_size"]),
            "DeepConvrbmFilters": str(c["n_filters"]),
            "DeepConvrbmKernel": f"{c['kernel'][0]} $\\times$ {c['kernel'][1]}",
            "DeepConvrbmEpochs": str(c["epochs"]),
            "DeepConvrbmPatch": str(c["patch_frames"]),
            "DeepConvrbmPoolSize": str(c["pool_size"]),
            "DeepConvrbmTrees": str(c["forest_trees"]),
            "DeepConvrbmMainPooling": POOLING_LABELS[c["main_pooling"]].lower(),
            "DeepVaeLatent": str(v["latent"]),
            "DeepVaeChannels": " / ".join(str(x) for x in v["channels"]),
            "DeepVaeEpochs": str(v["epochs"]),
            "DeepVaePatch": str(v["patch_frames"]),
            "DeepVaeLr": f"{v['lr']:g}",
        }
        for stage, tag in (("pretrained", "Pretrained"), ("fine-tuned", "Finetuned")):
            for layer, part in dbn_scores[dbn_scores["stage"] == stage].groupby("layer"):
                m[macro_name("DeepDbn", tag, "Acc", _layer(layer))] = _pct(part["clip_accuracy"])
        fine = pd.read_csv(inp.dbn_finetune)
        ends = fine.groupby(["repeat", "fold"])
        m["DeepDbnFinetuneBestEpoch"] = format_number(float(ends["best_epoch"].first().mean()), 1)
        m["DeepDbnFinetuneRanEpochs"] = format_number(float(ends["epoch"].max().mean()), 1)
        for _, row in published.iterrows():
            m[macro_name("DeepHamelAcc", _layer(row["layer"]))] = format_number(
                float(row["accuracy"])
            )
        by_pool = conv_scores.groupby("pooling", sort=False)["accuracy"].mean()
        for pooling, acc in by_pool.items():
            m[macro_name("DeepConvrbmAcc", POOLING_LABELS[pooling].replace("2-D", "twoD"))] = (
                format_number(100 * acc)
            )
        best = str(by_pool.idxmax())
        m["DeepConvrbmBestPooling"] = POOLING_LABELS[best].lower()
        m["DeepConvrbmBestAcc"] = format_number(100 * by_pool.max())
        vae_scores = pd.read_csv(inp.vae_scores)
        m["DeepVaeAcc"] = _pct(vae_scores["accuracy"])
        m["DeepVaeFOne"] = _pct(vae_scores["f1_macro"])
        vae_hist = pd.read_csv(inp.vae_history)
        m["DeepVaeRanEpochs"] = str(len(vae_hist))
        m["DeepVaeBestEpoch"] = str(int(vae_hist["best_epoch"].iloc[0]))
        m["DeepMainGenres"] = str(p.n_genres)
        for method in ("dbn", "convrbm", "vae"):
            key = f"summary_{method}"
            if key in inp.keys():
                summary = read_json(inp[key])
                m[macro_name("DeepMainAcc", method)] = format_number(summary["accuracy_mean"])
        write_text(out.macros, render_macros(m, "Deep generative models (DBN, ConvRBM, VAE)."))
        log.info("DBN table %s, ConvRBM table %s, %d macros", dbn.shape, conv.shape, len(m))


if __name__ == "__main__":
    main()
