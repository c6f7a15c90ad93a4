"""The shared training loop: losses fall, early stopping stops and keeps the best weights."""

import random

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from genrelearn.models.torch_setup import resolve_device, seed_everything, torch_threads
from genrelearn.models.training import EarlyStopping, to_device, train_epochs
from genrelearn.report.curves import learning_curves_figure


def _regression(n: int = 256, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 4, generator=g)
    w = torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    return TensorDataset(X, X @ w + 0.01 * torch.randn(n, 1, generator=g))


def _mse(model, batch):
    x, y = batch
    return torch.nn.functional.mse_loss(model(x), y)


def test_loss_falls_to_the_noise_level():
    seed_everything(0)
    model = torch.nn.Linear(4, 1)
    data = _regression()
    result = train_epochs(
        model,
        _mse,
        DataLoader(data, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0)),
        DataLoader(_regression(64, seed=1), batch_size=64),
        optimizer=torch.optim.Adam(model.parameters(), lr=0.05),
        max_epochs=60,
        patience=5,
        progress=False,
    )
    hist = result.history
    assert list(hist.columns) == ["epoch", "train_loss", "val_loss", "seconds"]
    assert hist["train_loss"].iloc[-1] < 0.01 * hist["train_loss"].iloc[0]
    assert hist["val_loss"].min() < 1e-3


def test_early_stopping_keeps_the_best_weights():
    """With a validation set the model cannot fit, training stops after `patience` epochs
    and the model holds the weights of the epoch with the lowest validation loss."""
    seed_everything(0)
    model = torch.nn.Linear(4, 1)
    train = _regression()
    x_val, y_val = _regression(64, seed=1).tensors
    val = TensorDataset(x_val, -y_val)  # the opposite relation: fitting train hurts valid

    def loss_fn(m, batch):
        return _mse(m, batch)

    result = train_epochs(
        model,
        loss_fn,
        DataLoader(train, batch_size=32),
        DataLoader(val, batch_size=64),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.05),
        max_epochs=100,
        patience=3,
        progress=False,
    )
    hist = result.history
    assert result.stopped_early
    assert len(hist) == result.best_epoch + 3
    assert result.best_epoch == int(hist.loc[hist["val_loss"].idxmin(), "epoch"])
    with torch.no_grad():
        kept = float(_mse(model, (x_val, -y_val)))
    assert kept == pytest.approx(hist["val_loss"].min(), rel=1e-5)


def test_no_validation_runs_all_epochs():
    model = torch.nn.Linear(4, 1)
    result = train_epochs(
        model,
        _mse,
        DataLoader(_regression(), batch_size=64),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
        max_epochs=4,
        progress=False,
    )
    assert len(result.history) == 4 and result.best_epoch == 4
    assert result.history["val_loss"].isna().all()


def test_divergence_is_an_error():
    model = torch.nn.Linear(4, 1)
    with pytest.raises(FloatingPointError, match="learning rate"):
        train_epochs(
            model,
            _mse,
            DataLoader(_regression(), batch_size=64),
            optimizer=torch.optim.SGD(model.parameters(), lr=1e6),
            max_epochs=50,
            progress=False,
        )


def test_early_stopping_counter():
    stop = EarlyStopping(patience=2)
    assert stop.step(1.0, 1) and not stop.should_stop
    assert not stop.step(1.5, 2) and not stop.should_stop
    assert not stop.step(1.2, 3) and stop.should_stop
    assert stop.best_epoch == 1
    assert not EarlyStopping(patience=0).should_stop


def test_seed_everything_repeats_random_streams():
    g1 = seed_everything(3)
    a = torch.randn(5), np.asarray([random.random()]), torch.randn(2, generator=g1)
    g2 = seed_everything(3)
    b = torch.randn(5), np.asarray([random.random()]), torch.randn(2, generator=g2)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_devices_and_threads():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_to_device_walks_nested_batches():
    batch = {"x": torch.zeros(2), "meta": [torch.ones(1), "name"]}
    moved = to_device(batch, "cpu")
    assert moved["meta"][1] == "name" and moved["x"].device.type == "cpu"


def test_learning_curves_figure_has_a_panel_per_training():
    hist = train_epochs(
        torch.nn.Linear(4, 1),
        _mse,
        DataLoader(_regression(), batch_size=64),
        DataLoader(_regression(32, 1), batch_size=32),
        optimizer=torch.optim.SGD(torch.nn.Linear(4, 1).parameters(), lr=0.0),
        max_epochs=2,
        progress=False,
    ).history
    fig = learning_curves_figure({"a": hist, "b": hist, "c": hist, "d": hist}, ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4 and visible[0].get_title() == "a"
