"""Chapter 4's limitation experiments: label corruption at the stated rate, the two noise floors, the
noise-averaged test loss, and smoke tables with the declared fields (on synthetic images, in seconds)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from helpers.data.splits import ImageSplits
from helpers.experiments import EXPERIMENTS, ch04
from helpers.models import MLPConfig
from helpers.models.mlp import stacked_mlp
from helpers.profiles import PROFILES
from helpers.train import MLP_RECIPE


def blobs(n_train: int, n_val: int = 64, n_test: int | None = 128) -> ImageSplits:
    """Ten Gaussian blobs in 784 dimensions, stored as uint8 like MNIST (a stand-in for
    :func:`helpers.data.mnist_splits`, with its signature)."""
    rng = np.random.default_rng(n_train)
    centres = rng.integers(60, 200, size=(10, 784))

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        labels = rng.integers(0, 10, size=n)
        pixels = np.clip(
            centres[labels] + rng.normal(0, 40, size=(n, 784)), 0, 255
        ).astype(np.uint8)
        return torch.from_numpy(pixels), torch.from_numpy(labels)

    (train_x, train_y), (val_x, val_y), (test_x, test_y) = (
        draw(n_train),
        draw(min(n_val, 64)),
        draw(min(n_test or 128, 128)),
    )
    return ImageSplits(
        train_x, train_y, val_x, val_y, test_x, test_y, mean=0.5, std=0.2
    )


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.2, 0.4, 1.0])
@pytest.mark.parametrize("n", [37, 1000, 10_000])
def test_corruption_hits_the_stated_rate_and_never_keeps_the_true_label(rate, n):
    labels = np.random.default_rng(1).integers(0, 10, size=n)
    corrupted = ch04.corrupt_labels(labels, rate, np.random.default_rng(2))
    changed = corrupted != labels
    assert changed.sum() == round(rate * n)
    assert corrupted.dtype == labels.dtype and corrupted.shape == labels.shape
    assert corrupted.min() >= 0 and corrupted.max() <= 9


def test_corrupted_labels_are_spread_uniformly_over_the_other_classes():
    labels = np.zeros(90_000, dtype=np.int64)
    corrupted = ch04.corrupt_labels(labels, 1.0, np.random.default_rng(0))
    counts = np.bincount(corrupted, minlength=10)
    assert counts[0] == 0
    # 10,000 expected per class; a binomial standard deviation is about 94
    assert np.abs(counts[1:] - 10_000).max() < 500


def test_corruption_is_seeded_and_rejects_bad_rates():
    labels = np.arange(100) % 10
    first = ch04.corrupt_labels(labels, 0.3, np.random.default_rng(5))
    again = ch04.corrupt_labels(labels, 0.3, np.random.default_rng(5))
    assert np.array_equal(first, again)
    with pytest.raises(ValueError, match="rate"):
        ch04.corrupt_labels(labels, 1.5, np.random.default_rng(5))


def test_noisy_splits_corrupt_training_and_validation_labels_only():
    data = blobs(1000)
    noisy = ch04.noisy_splits(data, 0.2)
    assert (noisy.train_y != data.train_y).sum() == 200
    assert (noisy.val_y != data.val_y).sum() == round(0.2 * len(data.val_y))
    assert torch.equal(noisy.test_y, data.test_y)
    assert torch.equal(noisy.train_x, data.train_x)
    assert torch.equal(ch04.noisy_splits(data, 0.2).train_y, noisy.train_y)


def test_the_two_floors():
    assert ch04.clean_label_floor(0.0) == 0.0
    assert ch04.noisy_label_entropy(0.0) == 0.0
    assert ch04.clean_label_floor(0.2) == pytest.approx(-math.log(0.8))
    # at eta = 0.9 the corrupted label is uniform over the ten classes
    assert ch04.noisy_label_entropy(0.9) == pytest.approx(math.log(10))
    # the entropy is the cross-entropy of the calibrated prediction on noisy labels
    eta = 0.2
    probabilities = np.array([1 - eta] + [eta / 9] * 9)
    assert ch04.noisy_label_entropy(eta) == pytest.approx(
        -(probabilities * np.log(probabilities)).sum()
    )


def test_noisy_test_task_averages_the_loss_over_the_corruption():
    data = blobs(256)
    eta = 0.3
    model = stacked_mlp(MLPConfig(8, 1), (0, 1))
    task = ch04.NoisyTestTask(
        model, data, 2, MLP_RECIPE, torch.device("cpu"), test_noise_rate=eta
    )
    loss, accuracy = task.evaluate("test")
    with torch.no_grad():
        log_p = F.log_softmax(
            model(data.normalise(data.test_x, torch.device("cpu"))), dim=2
        )
    true = log_p.gather(2, data.test_y.expand(2, -1)[..., None])[..., 0]
    others = log_p.sum(dim=2) - true
    expected = -((1 - eta) * true + eta / 9 * others).mean(dim=1)
    assert np.allclose(loss, -true.mean(dim=1).numpy(), rtol=1e-5)
    assert np.allclose(task.noisy_test_losses[-1], expected.numpy(), rtol=1e-5)
    assert np.allclose(task.test_errors[-1], 1 - accuracy)


def test_both_experiments_are_registered():
    assert EXPERIMENTS["ch04_label_noise"].run is ch04.label_noise_scaling
    assert EXPERIMENTS["ch04_double_descent"].run is ch04.double_descent


def test_label_noise_smoke_table_has_the_declared_fields(monkeypatch):
    monkeypatch.setattr(ch04, "mnist_splits", blobs)
    table = ch04.label_noise_scaling(PROFILES["smoke"])
    config = table["config"]
    assert len(table["rows"]) == len(config["sizes"]) * len(ch04.NOISE_RATES) * len(
        config["seeds"]
    )
    for row in table["rows"]:
        assert tuple(row) == ch04.LABEL_NOISE_FIELDS
        assert row["noise_rate"] in ch04.NOISE_RATES
        assert row["early_stopped_noisy_test_loss"] > 0
    clean = [row for row in table["rows"] if row["noise_rate"] == 0]
    assert all(
        row["early_stopped_noisy_test_loss"]
        == pytest.approx(row["early_stopped_test_loss"])
        for row in clean
    )


def test_double_descent_smoke_table_has_the_declared_fields(monkeypatch):
    monkeypatch.setattr(ch04, "mnist_splits", blobs)
    table = ch04.double_descent(PROFILES["smoke"])
    config = table["config"]
    assert len(table["rows"]) == len(config["widths"]) * len(config["seeds"])
    for row in table["rows"]:
        assert tuple(row) == ch04.DOUBLE_DESCENT_FIELDS
        assert row["steps"] == config["recipe"]["max_steps"]
        assert 0 <= row["train_error"] <= 1 and 0 <= row["test_error"] <= 1
