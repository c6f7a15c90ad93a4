"""The ten genre names of GTZAN, shared by the real dataset and the synthetic one."""

#: GTZAN's genres, in its (alphabetical) order; the synthetic dataset uses the same names.
GENRES: tuple[str, ...] = (
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
)
