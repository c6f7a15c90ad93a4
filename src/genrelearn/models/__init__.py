"""Neural and random feature learners and supervised networks, in PyTorch.

Submodules (imported on demand, so that ``import genrelearn.models`` stays cheap):

- :mod:`genrelearn.models.torch_setup`: device choice (``auto`` = CUDA when present), thread
  count and seeding shared by every model.
- :mod:`genrelearn.models.training`: the mini-batch training loop with early stopping on a
  validation loss and a per-epoch history, used by every gradient-trained model.
"""
