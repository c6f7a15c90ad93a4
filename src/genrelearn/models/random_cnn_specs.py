"""Names, inputs and feature dimensions of the random-CNN front-ends (no torch needed).

Kept apart from :mod:`genrelearn.models.random_cnn` so that the workflow's configuration code
and the report can use them without importing PyTorch.
"""

from __future__ import annotations

#: Architecture -> the input kind it reads (a feature kind of the feature stage).
INPUT_KINDS: dict[str, str] = {
    "vgg": "mel12k",
    "vertical_7x86": "mel12k",
    "vertical_7x96": "mel12k",
    "timbral": "mel12k",
    "temporal": "mel12k",
    "timbral_temporal": "mel12k",
    "sample_level": "wave12k",
    "frame_level": "wave12k",
    "frame_level_many": "wave12k",
}
ARCHITECTURES = tuple(INPUT_KINDS)
#: Maps of the selected layers per unit of :func:`filters_per_layer` (the budget's divisor).
_LAYER_UNITS = {
    "vgg": 5,
    "vertical_7x86": 1,
    "vertical_7x96": 1,
    "timbral": 14,
    "temporal": 14,
    "timbral_temporal": 28,
    "sample_level": 7,
    "frame_level": 4,
    "frame_level_many": 8,
}


#: Shortest clip (samples of a waveform, frames of a spectrogram) each architecture can take:
#: the first convolution's extent along time without padding (7 frames for the vertical
#: filters, 3 samples at stride 3 for the sample-level model, 512 samples for the frame-level
#: model; 32 for the many-shapes model, whose longer filters are padded); the others pad it.
MIN_LENGTH: dict[str, int] = {
    "vertical_7x86": 7,
    "vertical_7x96": 7,
    "sample_level": 3,
    "frame_level": 512,
    "frame_level_many": 32,
}


def check_architecture(architecture: str) -> None:
    """Raise a ValueError naming the known architectures if ``architecture`` is not one."""
    if architecture not in INPUT_KINDS:
        raise ValueError(
            f"unknown architecture {architecture!r}; choose one of {', '.join(ARCHITECTURES)}"
        )


def filters_per_layer(architecture: str, budget: int) -> int:
    """The width ``n`` of an architecture for a feature budget.

    ``budget // units`` where ``units`` is 5 (VGG: 5 layers of ``n`` maps), 1 (vertical),
    14 (timbral ``n + 2n + 4n`` twice, temporal about ``15n - 4(n // 4)``), 28 (both, ``n`` each),
    7 (sample-level: 7 layers), 4 (frame-level: front-end + 3 back-end layers) or 8
    (many shapes: 5 front-end convolutions + 3 back-end layers). With the study's 3585 this
    gives 717, 3585, 256, 128, 512, 896 and 448 as in the paper.
    """
    check_architecture(architecture)
    n = int(budget) // _LAYER_UNITS[architecture]
    if n < 1:
        raise ValueError(
            f"budget {budget} is too small for {architecture}: it needs at least "
            f"{_LAYER_UNITS[architecture]} dimensions"
        )
    return n


def temporal_counts(n: int) -> list[int]:
    """Maps of the temporal model's 4 convolutions for width ``n``: ``k n - n // 4``."""
    r = n // 4
    return [max(1, k * n - r) for k in (1, 2, 4, 8)]


def output_dim(architecture: str, budget: int, frame_level_quirk: bool = False) -> int:
    """Dimension of the feature vector of ``architecture`` for ``budget``."""
    n = filters_per_layer(architecture, budget)
    if architecture == "temporal":
        return sum(temporal_counts(n))
    if architecture == "timbral_temporal":
        return 14 * n + sum(temporal_counts(n))
    if architecture in ("frame_level", "frame_level_many") and frame_level_quirk:
        return (n if architecture == "frame_level" else 5 * n) + 3
    return _LAYER_UNITS[architecture] * n
