"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from genrelearn.models.torch_setup import torch_threads


@pytest.fixture
def one_torch_thread():
    """Tiny networks and problems run fastest on one PyTorch thread, immune to OpenMP stalls on
    a busy machine; the previous thread count is restored afterwards."""
    with torch_threads(1):
        yield
