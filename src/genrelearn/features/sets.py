"""Column layout of the fused mel + chroma frames (no librosa needed to read it)."""

from __future__ import annotations

#: Mel bands and chroma bins of the fused frames.
MEL_BANDS = 128
CHROMA_BINS = 12
#: Columns of the fused array that make up each feature set.
FEATURE_SETS: dict[str, slice] = {
    "mel": slice(0, MEL_BANDS),
    "chroma": slice(MEL_BANDS, MEL_BANDS + CHROMA_BINS),
    "fused": slice(0, MEL_BANDS + CHROMA_BINS),
}
