"""``python -m genrelearn.jitcache``: warm, inspect or clear the shared numba cache."""

import sys

from genrelearn.jitcache.store import main

sys.exit(main())
