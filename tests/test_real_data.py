"""The loaders against the real datasets laid out by ``.ci/run`` (facts from shared/datasets/README.md)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from helpers.data import channel_stats, load_dataset, load_text, verify_dataset

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.real_data
@pytest.mark.parametrize(
    "split, counts", [("train", MNIST_TRAIN_COUNTS), ("test", MNIST_TEST_COUNTS)]
)
def test_mnist_split(real_data_root, split, counts):
    images, labels = load_dataset(
        "mnist", split, root=real_data_root, download=False
    )
    assert images.shape == (sum(counts), 28, 28) and images.dtype == np.uint8
    assert labels.shape == (sum(counts),) and labels.dtype == np.int64
    assert np.bincount(labels, minlength=10).tolist() == counts


@pytest.mark.real_data
def test_mnist_pixel_statistics(real_data_root):
    images, _ = load_dataset("mnist", "train", root=real_data_root, download=False)
    mean, std = channel_stats(images)
    # the widely used normalisation constants for MNIST, recomputed from the original pixels
    assert mean[0] == pytest.approx(0.1307, abs=5e-5)
    assert std[0] == pytest.approx(0.3081, abs=5e-5)


@pytest.mark.real_data
@pytest.mark.parametrize("split, per_class", [("train", 5000), ("test", 1000)])
def test_cifar10_split(real_data_root, split, per_class):
    images, labels = load_dataset(
        "cifar10", split, root=real_data_root, download=False
    )
    assert images.shape == (10 * per_class, 32, 32, 3) and images.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == [per_class] * 10
    # natural photographs, not noise or blank records
    assert 0.3 < images.mean() / 255 < 0.6


@pytest.mark.real_data
def test_tiny_shakespeare_is_byte_identical(real_data_root):
    text = load_text("tinyshakespeare", root=real_data_root, download=False)
    data = text.encode("utf-8")
    assert len(data) == 1_115_394
    assert hashlib.sha256(data).hexdigest() == (
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
    )
    assert text.startswith("First Citizen:")


@pytest.mark.real_data
def test_verify_reports_every_dataset(real_data_root):
    assert verify_dataset("mnist", real_data_root).startswith(
        "mnist: 60,000 train + 10,000 test"
    )
    assert verify_dataset("cifar10", real_data_root).startswith(
        "cifar10: 50,000 train + 10,000 test"
    )


def test_unknown_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown image dataset 'imagenet'"):
        load_dataset("imagenet", "train", root=tmp_path)
    with pytest.raises(ValueError, match="use load_text"):
        load_dataset("tinyshakespeare", "train", root=tmp_path)
    with pytest.raises(ValueError, match="unknown split 'validation'"):
        load_dataset("mnist", "validation", root=tmp_path)
    with pytest.raises(ValueError, match="unknown text corpus 'mnist'"):
        load_text("mnist", root=tmp_path)
