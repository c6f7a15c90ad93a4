"""Convolutional variational auto-encoder on log-mel patches (Kingma & Welling 2014).

Encoder: strided 3 x 3 convolutions (each halves both axes) then linear maps to the mean and
log-variance of a diagonal Gaussian posterior; decoder: a linear map back to the last feature
maps, then transposed convolutions up to the patch size. The loss is the negative ELBO per patch
(Gaussian likelihood of unit variance on standardised patches, i.e. half the squared error, plus
the KL divergence to N(0, I)), trained with :func:`genrelearn.models.training.train_epochs`.
:meth:`ConvVAE.transform` returns the posterior means.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from genrelearn.models.patches import check_patches
from genrelearn.models.torch_setup import resolve_device, seed_everything, torch_threads
from genrelearn.models.training import train_epochs


class VAEModule(nn.Module):
    """Encoder and decoder for ``(1, n_bands, n_frames)`` patches."""

    def __init__(self, shape: Sequence[int], channels: Sequence[int], latent: int) -> None:
        super().__init__()
        n_bands, n_frames = int(shape[0]), int(shape[1])
        factor = 2 ** len(channels)
        if n_bands % factor or n_frames % factor:
            raise ValueError(
                f"patch {n_bands} x {n_frames} must be divisible by {factor} "
                f"(2 per convolution, {len(channels)} convolutions)"
            )
        enc: list[nn.Module] = []
        prev = 1
        for ch in channels:
            enc += [nn.Conv2d(prev, int(ch), 3, stride=2, padding=1), nn.ReLU()]
            prev = int(ch)
        self.encoder = nn.Sequential(*enc, nn.Flatten())
        self.inner = (prev, n_bands // factor, n_frames // factor)
        flat = prev * self.inner[1] * self.inner[2]
        self.mu = nn.Linear(flat, latent)
        self.logvar = nn.Linear(flat, latent)
        self.expand = nn.Linear(latent, flat)
        dec: list[nn.Module] = []
        rev = [int(c) for c in channels][::-1] + [1]
        for i in range(len(channels)):
            dec.append(nn.ConvTranspose2d(rev[i], rev[i + 1], 4, stride=2, padding=1))
            if i < len(channels) - 1:
                dec.append(nn.ReLU())
        self.decoder = nn.Sequential(*dec)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and log-variance."""
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Mean of the likelihood, same shape as the input."""
        return self.decoder(torch.relu(self.expand(z)).view(-1, *self.inner))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Reconstruction (from a reparameterised sample), mean and log-variance."""
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


def negative_elbo(model: VAEModule, x: torch.Tensor) -> torch.Tensor:
    """Negative ELBO per patch: ``0.5 ||x - x_hat||^2 + KL(q(z|x) || N(0, I))``, batch mean."""
    recon, mu, logvar = model(x)
    rec = 0.5 * ((recon - x) ** 2).flatten(1).sum(dim=1)
    kl = 0.5 * (mu**2 + logvar.exp() - 1.0 - logvar).sum(dim=1)
    return (rec + kl).mean()


class ConvVAE(TransformerMixin, BaseEstimator):
    """Convolutional VAE on spectrogram patches ``(n, 1, n_bands, n_frames)``.

    Parameters
    ----------
    latent : int
        Dimension of the latent code.
    channels : sequence of int
        Channels of the encoder's convolutions (mirrored by the decoder).
    epochs, lr, batch_size, patience : int, float, int, int
        Adam training with early stopping on the validation patches.
    valid_fraction : float
        Share of the patches held out for early stopping when :meth:`fit` gets no
        ``X_val`` (drawn at random with ``random_state``).
    device, random_state, n_jobs, progress
        As for :class:`genrelearn.models.dbn.DBN`.

    Attributes
    ----------
    input_shape_ : tuple of int
        ``(1, n_bands, n_frames)`` of the training patches; :meth:`transform` needs the same.
    history_ : pandas.DataFrame
        :func:`train_epochs` history (negative ELBO per patch).

    Notes
    -----
    The input is 4-D, one single-channel patch per sample; inputs and outputs are float32.
    """

    def __init__(
        self,
        latent: int = 16,
        channels: Sequence[int] = (16, 32),
        epochs: int = 15,
        lr: float = 1e-3,
        batch_size: int = 64,
        patience: int = 3,
        valid_fraction: float = 0.1,
        device: str = "auto",
        random_state: int = 1,
        n_jobs: int | None = None,
        progress: bool = False,
    ) -> None:
        self.latent = latent
        self.channels = channels
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.patience = patience
        self.valid_fraction = valid_fraction
        self.device = device
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.progress = progress

    def fit(self, X: np.ndarray, y: None = None, X_val: np.ndarray | None = None) -> ConvVAE:
        """Standardise the patches and maximise the ELBO (no labels).

        Without ``X_val``, ``X`` needs at least 2 patches (one or more are held out).
        """
        X = check_patches(X)
        if X_val is None and len(X) < 2:
            raise ValueError(
                f"n_samples={len(X)}: fit needs at least 2 patches to hold some out for early "
                "stopping (or pass X_val)"
            )
        if X_val is not None:
            X_val = check_patches(X_val)
            if X_val.shape[1:] != X.shape[1:]:
                raise ValueError(f"X_val patches are {X_val.shape[1:]}, X patches {X.shape[1:]}")
        device = resolve_device(self.device)
        self.device_ = str(device)
        gen = seed_everything(self.random_state)
        if X_val is None:
            order = np.random.default_rng(self.random_state).permutation(len(X))
            n_val = max(1, int(round(self.valid_fraction * len(X))))
            X, X_val = X[order[n_val:]], X[order[:n_val]]
        self.input_shape_ = tuple(int(s) for s in X.shape[1:])
        self.mean_ = float(X.mean())
        self.scale_ = float(X.std()) + 1e-6
        self.module_ = VAEModule(X.shape[2:], self.channels, self.latent).to(device)

        def loader(data: np.ndarray, shuffle: bool) -> DataLoader:
            ds = TensorDataset(torch.from_numpy(self._standardise(data)))
            return DataLoader(ds, batch_size=self.batch_size, shuffle=shuffle, generator=gen)

        def loss_fn(model: nn.Module, batch: list[torch.Tensor]) -> torch.Tensor:
            return negative_elbo(model, batch[0])

        opt = torch.optim.Adam(self.module_.parameters(), lr=self.lr)
        with torch_threads(self.n_jobs):
            result = train_epochs(
                self.module_,
                loss_fn,
                loader(X, True),
                loader(X_val, False),
                optimizer=opt,
                max_epochs=self.epochs,
                patience=self.patience,
                device=device,
                desc="conv VAE",
                progress=self.progress,
            )
        self.module_.eval()
        self.history_ = result.history.assign(best_epoch=result.best_epoch)
        return self

    def transform(self, X: np.ndarray, chunk: int = 512) -> np.ndarray:
        """Posterior means ``(n, latent)`` float32."""
        check_is_fitted(self, "module_")
        X = check_patches(X)
        if X.shape[1:] != self.input_shape_:
            raise ValueError(f"fitted on patches of shape {self.input_shape_}, got {X.shape[1:]}")
        data = torch.from_numpy(self._standardise(X))
        device = torch.device(self.device_)
        with torch_threads(self.n_jobs), torch.no_grad():
            mus = [
                self.module_.encode(data[i : i + chunk].to(device))[0].cpu()
                for i in range(0, len(data), chunk)
            ]
        return torch.cat(mus).numpy().astype(np.float32)

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn tags: float32 in and out."""
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # every output is float32
        return tags

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean_) / self.scale_).astype(np.float32)
