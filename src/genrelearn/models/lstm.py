"""LSTM backbone over packed variable-length sequences (the NTUA lab's ``LSTMBackbone``)."""

from __future__ import annotations

import torch
from torch import nn


class LSTMBackbone(nn.Module):
    """LSTM whose clip representation is the state at the last *unpadded* step.

    Parameters
    ----------
    n_features : int
        Dimension of a frame.
    hidden_size : int
        Units per direction (the lab: 128).
    num_layers : int
        Stacked layers (the lab: 1).
    bidirectional : bool
        Also run backwards; the representation concatenates the forward state at the last
        step with the backward state at the first step.
    dropout : float
        Dropout on the representation (and between layers when ``num_layers > 1``).

    Notes
    -----
    Inputs are packed with their true lengths, so padding never enters the recurrence: the
    output for a sequence does not depend on how much padding its batch added.
    """

    def __init__(
        self,
        n_features: int,
        hidden_size: int = 128,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            n_features,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.bidirectional = bidirectional
        self.feature_size = hidden_size * (2 if bidirectional else 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``x (B, T, F)`` padded, ``lengths (B,)`` -> ``(B, feature_size)``."""
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths.detach().cpu(), batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = self.lstm(packed)
        # h_n: (num_layers * directions, B, H), in the batch's original order; for the forward
        # direction it is the state at each sequence's last valid step, for the backward one
        # the state after reading back to the first step.
        last = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.bidirectional else h_n[-1]
        return self.dropout(last)
