"""Deep belief network on |DFT| frames (Hamel & Eck 2010), as a scikit-learn transformer.

A Gaussian-Bernoulli RBM on standardised frames, then binary RBMs, each pretrained greedily by
contrastive divergence on the hidden probabilities of the layer below (no labels). The stack can
then be fine-tuned with a softmax layer on frame labels (:meth:`DBN.fine_tune`, through
:func:`genrelearn.models.training.train_epochs` with early stopping on validation frames), after
which :meth:`DBN.transform` returns the fine-tuned network's hidden activations. Clip vectors
are the mean and variance of the activations over windows of a few seconds
(:func:`window_stats`), as Hamel & Eck aggregated them for their SVM.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from genrelearn.models.rbm import RBM, train_cd
from genrelearn.models.torch_setup import resolve_device, seed_everything, torch_threads
from genrelearn.models.training import train_epochs


class DBN(TransformerMixin, BaseEstimator):
    """Stack of RBMs pretrained by CD-k, optionally fine-tuned as a classifier.

    Parameters
    ----------
    hidden : sequence of int
        Hidden units per layer (Hamel & Eck: 3 x 50).
    pretrain_epochs, pretrain_lr, momentum, cd_k : int, float, float, int
        Contrastive-divergence training of every layer.
    finetune_epochs, finetune_lr, patience : int, float, int
        Supervised fine-tuning (SGD with ``momentum``), early stopping after ``patience`` epochs
        without a lower validation loss.
    batch_size : int
        Frames per update.
    device : str
        ``auto``, ``cpu`` or ``cuda``.
    random_state : int
        Seed of the weights, the shuffling and the sampling.
    n_jobs : int, optional
        PyTorch CPU threads (``None``: PyTorch's current setting).
    progress : bool
        tqdm bars on stderr.

    Attributes
    ----------
    n_features_in_ : int
        Bins per input frame.
    mean_, scale_ : numpy.ndarray
        Standardisation of the input frames (fitted in :meth:`fit`).
    rbms_ : list of RBM
        The pretrained layers.
    pretrain_history_ : pandas.DataFrame
        Per layer and epoch: reconstruction error and free energy.
    network_ : torch.nn.Sequential or None
        The fine-tuned network (hidden layers then the softmax layer), after :meth:`fine_tune`.
    finetune_history_ : pandas.DataFrame or None
        :func:`train_epochs` history of the fine-tuning.

    Notes
    -----
    Every input is float32 (frames of another precision are cast), and so is every output.
    :meth:`predict_proba` exists only once the stack is fine-tuned (before :meth:`fit` it
    raises :class:`~sklearn.exceptions.NotFittedError`; after :meth:`fit` alone the attribute
    is missing, as for a classifier configured without probabilities).
    """

    def __init__(
        self,
        hidden: Sequence[int] = (50, 50, 50),
        pretrain_epochs: int = 5,
        pretrain_lr: float = 1e-3,
        momentum: float = 0.9,
        cd_k: int = 1,
        finetune_epochs: int = 20,
        finetune_lr: float = 0.1,
        patience: int = 3,
        batch_size: int = 256,
        device: str = "auto",
        random_state: int = 1,
        n_jobs: int | None = None,
        progress: bool = False,
    ) -> None:
        self.hidden = hidden
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_lr = pretrain_lr
        self.momentum = momentum
        self.cd_k = cd_k
        self.finetune_epochs = finetune_epochs
        self.finetune_lr = finetune_lr
        self.patience = patience
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.progress = progress

    # -- unsupervised pretraining ---------------------------------------------------------------
    def fit(self, X: np.ndarray, y: None = None) -> DBN:
        """Standardise ``X`` (frames x bins) and pretrain every layer greedily, without labels.

        ``X`` needs at least 2 frames (for the standardisation) and finite values.
        """
        X = validate_data(self, X, dtype=np.float32, ensure_min_samples=2)
        device = resolve_device(self.device)
        self.device_ = str(device)
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-6
        gen = seed_everything(self.random_state)
        data = torch.from_numpy(self._standardise(X))
        self.rbms_: list[RBM] = []
        histories = []
        with torch_threads(self.n_jobs):
            for i, n_hidden in enumerate(self.hidden):
                visible = "gaussian" if i == 0 else "bernoulli"
                rbm = RBM(data.shape[1], int(n_hidden), visible, generator=gen).to(device)
                hist = train_cd(
                    rbm,
                    data,
                    epochs=self.pretrain_epochs,
                    lr=self.pretrain_lr,
                    momentum=self.momentum,
                    k=self.cd_k,
                    batch_size=self.batch_size,
                    generator=gen,
                    device=device,
                    desc=f"DBN layer {i + 1} CD-{self.cd_k}",
                    progress=self.progress,
                )
                histories.append(hist.assign(layer=i + 1))
                self.rbms_.append(rbm.eval())
                data = self._apply(rbm.hidden_prob, data)
        self.pretrain_history_ = pd.concat(histories, ignore_index=True)
        self.network_: nn.Sequential | None = None
        self.finetune_history_: pd.DataFrame | None = None
        return self

    # -- supervised fine-tuning -----------------------------------------------------------------
    def fine_tune(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray, y_val: np.ndarray) -> DBN:
        """Fine-tune the pretrained stack plus a softmax layer on frame labels.

        Parameters
        ----------
        X, y : numpy.ndarray
            Training frames and their integer class labels (``0 .. n_classes - 1``).
        X_val, y_val : numpy.ndarray
            Validation frames (from other clips than ``X``) for early stopping.
        """
        self._check_fitted()
        X = self._frames(X)
        X_val = self._frames(X_val)
        device = torch.device(self.device_)
        n_classes = int(max(y.max(), y_val.max())) + 1
        gen = seed_everything(self.random_state + 1)
        layers: list[nn.Module] = []
        for rbm in self.rbms_:
            lin = nn.Linear(rbm.W.shape[0], rbm.W.shape[1])
            with torch.no_grad():
                lin.weight.copy_(rbm.W.T)
                lin.bias.copy_(rbm.b_h)
            layers += [lin, nn.Sigmoid()]
        out = nn.Linear(int(self.hidden[-1]), n_classes)
        with torch.no_grad():
            out.weight.normal_(0.0, 0.01, generator=gen)
            out.bias.zero_()
        net = nn.Sequential(*layers, out).to(device)

        def loader(frames: np.ndarray, labels: np.ndarray, shuffle: bool) -> DataLoader:
            ds = TensorDataset(
                torch.from_numpy(self._standardise(frames)),
                torch.from_numpy(np.asarray(labels, dtype=np.int64)),
            )
            return DataLoader(ds, batch_size=self.batch_size, shuffle=shuffle, generator=gen)

        def loss_fn(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
            return F.cross_entropy(model(batch[0]), batch[1])

        opt = torch.optim.SGD(net.parameters(), lr=self.finetune_lr, momentum=self.momentum)
        with torch_threads(self.n_jobs):
            result = train_epochs(
                net,
                loss_fn,
                loader(X, y, True),
                loader(X_val, y_val, False),
                optimizer=opt,
                max_epochs=self.finetune_epochs,
                patience=self.patience,
                device=device,
                desc="DBN fine-tuning",
                progress=self.progress,
            )
        self.network_ = net.eval()
        self.finetune_history_ = result.history.assign(best_epoch=result.best_epoch)
        return self

    # -- outputs --------------------------------------------------------------------------------
    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """Hidden activations of every layer, ``[(n, hidden[0]), (n, hidden[1]), ...]``.

        Those of the fine-tuned network after :meth:`fine_tune`, else of the pretrained RBMs.
        """
        self._check_fitted()
        data = torch.from_numpy(self._standardise(self._frames(X)))
        outs = []
        with torch_threads(self.n_jobs):
            if self.network_ is None:
                for rbm in self.rbms_:
                    data = self._apply(rbm.hidden_prob, data)
                    outs.append(data.numpy())
            else:
                mods = list(self.network_)
                for i in range(len(self.rbms_)):
                    pair = nn.Sequential(mods[2 * i], mods[2 * i + 1])
                    data = self._apply(pair, data)
                    outs.append(data.numpy())
        return outs

    def transform(self, X: np.ndarray, layers: Sequence[int] | None = None) -> np.ndarray:
        """Concatenated activations of ``layers`` (1-based; all layers when ``None``)."""
        outs = self.layer_outputs(X)
        chosen = range(1, len(outs) + 1) if layers is None else layers
        return np.concatenate([outs[i - 1] for i in chosen], axis=1)

    def _fine_tuned_or_unfitted(self) -> bool:
        if hasattr(self, "rbms_") and self.network_ is None:
            raise AttributeError("predict_proba needs the fine-tuned network: call fine_tune")
        return True

    @available_if(_fine_tuned_or_unfitted)
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class posteriors of every frame from the fine-tuned network (after :meth:`fine_tune`)."""
        self._check_fitted()
        data = torch.from_numpy(self._standardise(self._frames(X)))
        with torch_threads(self.n_jobs):
            logits = self._apply(self.network_, data)
        return torch.softmax(logits, dim=1).numpy()

    # -- helpers --------------------------------------------------------------------------------
    def __sklearn_tags__(self) -> Tags:
        """scikit-learn tags: float32 in and out."""
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # every output is float32
        return tags

    def _check_fitted(self) -> None:
        check_is_fitted(self, "rbms_")

    def _frames(self, X: np.ndarray) -> np.ndarray:
        """``X`` as float32 frames with the fitted number of bins (finite values only)."""
        return validate_data(self, X, dtype=np.float32, reset=False)

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        if X.shape[1] != len(self.mean_):
            raise ValueError(f"expected {len(self.mean_)} bins per frame, got {X.shape[1]}")
        return ((X - self.mean_) / self.scale_).astype(np.float32)

    def _apply(self, fn: nn.Module, data: torch.Tensor, chunk: int = 8192) -> torch.Tensor:
        device = torch.device(self.device_)
        with torch.no_grad():
            return torch.cat(
                [fn(data[i : i + chunk].to(device)).cpu() for i in range(0, len(data), chunk)]
            )


def window_stats(
    features: np.ndarray, offsets: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each clip's frame features over consecutive windows.

    Parameters
    ----------
    features : numpy.ndarray
        ``(n_frames_total, dim)``, clips stacked as in a
        :class:`~genrelearn.features.store.FrameSet`.
    offsets : numpy.ndarray
        ``(n_clips + 1,)`` clip boundaries.
    window : int
        Frames per window; a clip shorter than two windows gives one window (all its frames),
        a trailing part shorter than a window is dropped.

    Returns
    -------
    vectors : numpy.ndarray
        ``(n_windows_total, 2 * dim)`` float32: mean then variance.
    clip : numpy.ndarray
        Clip index of every vector.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1 frame, got {window}")
    vectors, clips = [], []
    for i in range(len(offsets) - 1):
        frames = features[offsets[i] : offsets[i + 1]]
        if len(frames) == 0:
            raise ValueError(f"clip {i} has no frames")
        n_win = max(1, len(frames) // window)
        size = window if n_win > 1 else len(frames)
        blocks = frames[: n_win * size].reshape(n_win, size, -1).astype(np.float64)
        vectors.append(np.concatenate([blocks.mean(axis=1), blocks.var(axis=1)], axis=1))
        clips.append(np.full(n_win, i))
    return np.concatenate(vectors).astype(np.float32), np.concatenate(clips)
