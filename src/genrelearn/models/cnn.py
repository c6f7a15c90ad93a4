"""2-D CNN backbone over (time x feature) images of variable length."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def _block(c_in: int, c_out: int) -> nn.Sequential:
    # ceil_mode keeps a 1-wide axis at 1, so short beat-synchronous clips and the 12 chroma rows
    # survive four poolings.
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2, ceil_mode=True),
    )


class CNNBackbone(nn.Module):
    """Conv blocks (conv 3x3, batch norm, ReLU, 2x2 max pooling), then a dense layer.

    Parameters
    ----------
    n_features : int
        Dimension of a frame (the image height).
    channels : sequence of int
        Output channels of the blocks (the lab: 32, 64, 128, 256).
    feature_size : int
        Units of the dense layer, the clip representation.
    dropout : float
        Dropout before the dense layer.

    Notes
    -----
    After the blocks the feature axis is averaged and the time axis is averaged over the
    valid (unpadded) positions only, so clips of any length map to one vector.
    """

    def __init__(
        self,
        n_features: int,
        channels: Sequence[int] = (32, 64, 128, 256),
        feature_size: int = 256,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        if not channels:
            raise ValueError("channels must list at least one block")
        widths = [1, *channels]
        pairs = zip(widths[:-1], widths[1:], strict=True)
        self.blocks = nn.Sequential(*(_block(a, b) for a, b in pairs))
        self.n_pool = len(channels)
        self.head = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(channels[-1], feature_size), nn.ReLU(inplace=True)
        )
        self.feature_size = feature_size

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``x (B, T, F)`` padded, ``lengths (B,)`` -> ``(B, feature_size)``."""
        h = self.blocks(x.unsqueeze(1))  # (B, C, T', F')
        h = h.mean(dim=3)  # (B, C, T')
        steps = lengths.to(h.device)
        for _ in range(self.n_pool):
            steps = torch.div(steps + 1, 2, rounding_mode="floor")  # ceil(steps / 2)
        mask = (torch.arange(h.shape[2], device=h.device)[None, :] < steps[:, None]).to(h.dtype)
        pooled = (h * mask[:, None, :]).sum(dim=2) / mask.sum(dim=1, keepdim=True).clamp(min=1)
        return self.head(pooled)
