"""genrelearn: feature learning for music genre recognition, as a reproducible study.

The library holds everything the Snakemake rules compute; it never imports Snakemake, so each
step can be called from a notebook or a test.
"""

__version__ = "0.1.0"
