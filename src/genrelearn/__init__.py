"""genrelearn: feature learning for music genre recognition, as a reproducible study.

The library holds everything the Snakemake rules compute; it never imports Snakemake, so each
step can be called from a notebook or a test.

Importing it gives this process a private numba cache folder before numba is first imported
(:mod:`genrelearn.jitcache`): processes never write one cache folder at once.
"""

from genrelearn import jitcache as _jitcache

_jitcache.install_import_hook()

__version__ = "0.1.0"
