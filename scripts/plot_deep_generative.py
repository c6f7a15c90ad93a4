"""Rule plot_deep_generative: training curves of the deep models, or t-SNE of their features."""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.manifold import TSNE
from sklearn.preprocessing import StandardScaler

from genrelearn.logs import log_to_file
from genrelearn.pooling import load_pooled
from genrelearn.report.curves import learning_curves_figure
from genrelearn.report.embedding import tsne_figure
from genrelearn.report.figures import save_figure

if TYPE_CHECKING:
    from snakemake.script import snakemake

TITLES = {"dbn": "DBN (all layers)", "convrbm": "ConvRBM", "vae": "Conv. VAE"}


def main() -> None:
    p = snakemake.params
    inp = snakemake.input
    with log_to_file(snakemake.log[0]) as log:
        if p.figure == "curves":
            pre = pd.read_csv(inp.dbn_pretrain)
            panels = {
                f"DBN layer {layer} CD": part for layer, part in pre.groupby("layer", sort=True)
            }
            fine = pd.read_csv(inp.dbn_finetune)
            first = fine[(fine["repeat"] == 0) & (fine["fold"] == 0)]
            panels["DBN fine-tuning (fold 1)"] = first
            panels["ConvRBM CD"] = pd.read_csv(inp.convrbm)
            panels["Conv. VAE (neg. ELBO)"] = pd.read_csv(inp.vae)
            fig = learning_curves_figure(panels, ncols=3)
        else:
            embeddings = {}
            for method, title in TITLES.items():
                pooled = load_pooled(inp[method])
                n = len(pooled.genres)
                sums = np.zeros((n, pooled.vectors.shape[1]))
                np.add.at(sums, pooled.clip, pooled.vectors)
                X = StandardScaler().fit_transform(sums / np.bincount(pooled.clip)[:, None])
                tsne = TSNE(
                    perplexity=min(float(p.perplexity), (n - 1) / 3),
                    init="pca",
                    random_state=p.seed,
                )
                embeddings[title] = (tsne.fit_transform(X), pooled.genres)
                log.info("t-SNE of %s: %d clips x %d dims", method, *X.shape)
            fig = tsne_figure(embeddings)
        save_figure(fig, snakemake.output.figure, dpi=p.dpi)
        log.info("figure %s", p.figure)


if __name__ == "__main__":
    main()
