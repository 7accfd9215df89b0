"""Datasets as training, validation and test splits in memory, ready for a training loop (Chapter 3).

* :class:`ImageSplits` from :func:`image_splits` (:func:`mnist_splits`, :func:`cifar_splits`): uint8
  images kept as they are on disk and normalised one batch at a time by :func:`normalise_pixels`,
  ``x = (pixel / 255 - mean) / std``, with the mean and standard deviation of the training pool.
  The last ``n_val`` training images are the validation split; a run on ``n_train`` images takes a
  nested, class-balanced subset of the rest (:func:`helpers.data.nested_subsets`).
* :class:`TextSplits` from :func:`shakespeare_splits`: character ids, split 90/5/5 by position.

Sizes are counted in the family's *unit* (an image, or a character): ``n_train`` distinct training
units, ``n_val`` and ``n_test`` held-out units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from helpers.data.loaders import load_dataset, load_text
from helpers.data.subsets import channel_stats, nested_subsets

TRAIN_EVAL_EXAMPLES = 5_000
"""The training loss and accuracy of an image run are measured on its first this many training images."""

TRAIN_EVAL_TOKENS = 65_536
"""The training loss and accuracy of a text run are measured on its first this many training characters."""


def normalise_pixels(
    pixels: torch.Tensor,
    mean: float | torch.Tensor,
    std: float | torch.Tensor,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """``(pixels / 255 - mean) / std`` in ``dtype``: uint8 pixels to standardised values (Chapter 3).

    ``mean`` and ``std`` are on the [0, 1] scale (:func:`helpers.data.channel_stats`): numbers, or
    per-channel tensors shaped to broadcast, such as ``(1, 3, 1, 1)`` for ``(n, 3, 32, 32)`` images.
    """
    if pixels.dtype != torch.uint8:
        raise ValueError(
            f"pixels must be uint8 as loaded, got {pixels.dtype}; features are used as they are"
        )
    return (pixels.to(dtype).div_(255.0) - mean) / std


@dataclass(frozen=True)
class ImageSplits:
    """Inputs with int64 labels: MNIST flattened to ``(n, 784)``, CIFAR-10 as ``(n, 3, 32, 32)`` (Chapter 3).

    Pixels are uint8 and normalised per batch (:func:`normalise_pixels`) with ``mean`` and ``std`` (a
    number, or per-channel values shaped ``(1, 3, 1, 1)``); float inputs (extracted features, see
    :func:`helpers.data.processing.pca_splits`) are used as they are."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    mean: float | torch.Tensor
    std: float | torch.Tensor

    @property
    def n_train(self) -> int:
        """Distinct training images."""
        return len(self.train_y)

    def evaluation_sets(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """``(x, y)`` for ``"val"``, ``"test"`` and ``"train"`` (the first :data:`TRAIN_EVAL_EXAMPLES`)."""
        return {
            "val": (self.val_x, self.val_y),
            "test": (self.test_x, self.test_y),
            "train": (
                self.train_x[:TRAIN_EVAL_EXAMPLES],
                self.train_y[:TRAIN_EVAL_EXAMPLES],
            ),
        }

    def normalise(self, batch: torch.Tensor, device: torch.device) -> torch.Tensor:
        """A batch of inputs as float32 on ``device``: uint8 pixels through :func:`normalise_pixels`;
        float features are moved as they are."""
        if batch.dtype != torch.uint8:
            return batch.to(device, non_blocking=True)
        mean, std = (
            v.to(device) if isinstance(v, torch.Tensor) else v
            for v in (self.mean, self.std)
        )
        return normalise_pixels(batch.to(device, non_blocking=True), mean, std)

    def train_batch(
        self,
        index: torch.Tensor,
        device: torch.device,
        augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The training examples at ``index``: normalised inputs and labels on ``device``. ``augment``, if
        given, transforms the raw (uint8) inputs first. Rows are gathered with ``index_select``, on a CPU
        about ten times faster than ``train_x[index]``."""
        inputs = self.train_x.index_select(0, index)
        if augment is not None:
            inputs = augment(inputs)
        return self.normalise(inputs, device), self.train_y.index_select(
            0, index
        ).to(device)


def image_splits(
    dataset: str,
    n_train: int,
    *,
    n_val: int = 5_000,
    n_test: int | None = None,
    subset_seed: int = 0,
) -> ImageSplits:
    """Image dataset ``dataset`` (``"mnist"`` or ``"cifar10"``) as :class:`ImageSplits` (Chapter 3).

    The last ``n_val`` training images are held out for validation; the training split is a nested,
    class-balanced subset of ``n_train`` images of the rest (the *pool*), whose pixel statistics
    normalise every split; the test split is the first ``n_test`` test images (all when ``None``).
    MNIST is flattened to ``(n, 784)``; CIFAR-10 becomes ``(n, 3, 32, 32)`` with per-channel statistics.
    """
    images, labels = load_dataset(dataset, "train")
    test_images, test_labels = load_dataset(dataset, "test")
    pool = len(labels) - n_val
    if not 0 < n_train <= pool:
        raise ValueError(
            f"n_train={n_train} must lie in 1..{pool} ({len(labels):,} training images minus "
            f"n_val={n_val} validation images)"
        )
    (subset,) = nested_subsets(labels[:pool], [n_train], seed=subset_seed)
    mean, std = channel_stats(images[:pool])
    n_test = n_test or len(test_labels)
    grey = images.ndim == 3

    def as_tensor(
        x: np.ndarray,
    ) -> torch.Tensor:  # (n, 28, 28) -> (n, 784); (n, 32, 32, 3) -> (n, 3, 32, 32)
        return torch.from_numpy(
            np.ascontiguousarray(
                x.reshape(len(x), -1) if grey else x.transpose(0, 3, 1, 2)
            )
        )

    def statistic(values: np.ndarray) -> float | torch.Tensor:
        return (
            float(values[0])
            if grey
            else torch.tensor(values, dtype=torch.float32).view(1, -1, 1, 1)
        )

    return ImageSplits(
        train_x=as_tensor(images[subset]),
        train_y=torch.from_numpy(labels[subset]),
        val_x=as_tensor(images[pool:]),
        val_y=torch.from_numpy(labels[pool:]),
        test_x=as_tensor(test_images[:n_test]),
        test_y=torch.from_numpy(test_labels[:n_test]),
        mean=statistic(mean),
        std=statistic(std),
    )


def mnist_splits(
    n_train: int,
    *,
    n_val: int = 5_000,
    n_test: int | None = None,
    subset_seed: int = 0,
) -> ImageSplits:
    """MNIST through :func:`image_splits`: ``n_train`` at most ``60000 - n_val``, images flattened (Chapter 3)."""
    return image_splits(
        "mnist", n_train, n_val=n_val, n_test=n_test, subset_seed=subset_seed
    )


def cifar_splits(
    n_train: int,
    *,
    n_val: int = 5_000,
    n_test: int | None = None,
    subset_seed: int = 0,
) -> ImageSplits:
    """CIFAR-10 through :func:`image_splits`: ``(n, 3, 32, 32)`` uint8 images, ``n_train`` at most
    ``50000 - n_val``, per-channel statistics (Chapter 3)."""
    return image_splits(
        "cifar10", n_train, n_val=n_val, n_test=n_test, subset_seed=subset_seed
    )


@dataclass(frozen=True)
class TextSplits:
    """Character ids (int64) of the three splits and the vocabulary, the sorted characters of the
    corpus (Chapter 3)."""

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    vocabulary: str

    @property
    def n_train(self) -> int:
        """Distinct training characters."""
        return len(self.train)

    def evaluation_sets(self) -> dict[str, torch.Tensor]:
        """The characters of ``"val"``, ``"test"`` and ``"train"`` (the first :data:`TRAIN_EVAL_TOKENS`)."""
        return {
            "val": self.val,
            "test": self.test,
            "train": self.train[:TRAIN_EVAL_TOKENS],
        }


def encode(text: str, vocabulary: str) -> torch.Tensor:
    """Character ids of ``text`` under ``vocabulary``; an unknown character is an error that names it (Chapter 3)."""
    index = {char: i for i, char in enumerate(vocabulary)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(
            f"characters {unknown[:5]!r} are not in the vocabulary of {len(vocabulary)} "
            "characters; build the vocabulary from the text that contains them"
        )
    return torch.tensor([index[char] for char in text], dtype=torch.int64)


def shakespeare_splits(
    n_train: int | None = None,
    *,
    n_val: int | None = None,
    n_test: int | None = None,
) -> TextSplits:
    """Tiny Shakespeare split 90/5/5 by position, never shuffled (Chapter 3).

    The training split is the first ``n_train`` characters of the first 90% (all when ``None``), so
    smaller training sets are prefixes of larger ones; validation and test are the first ``n_val`` and
    ``n_test`` characters (all when ``None``) of the next 5% and the last 5%.
    """
    text = load_text("tinyshakespeare")
    vocabulary = "".join(sorted(set(text)))
    tokens = encode(text, vocabulary)
    train_end, val_end = int(0.9 * len(tokens)), int(0.95 * len(tokens))
    n_train = train_end if n_train is None else n_train
    if not 0 < n_train <= train_end:
        raise ValueError(
            f"n_train={n_train} must lie in 1..{train_end:,} (90% of the corpus)"
        )
    val, test = tokens[train_end:val_end], tokens[val_end:]
    return TextSplits(tokens[:n_train], val[:n_val], test[:n_test], vocabulary)


def windows(
    tokens: torch.Tensor, context: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Non-overlapping ``(inputs, targets)`` windows ``(n, context)``; targets are inputs shifted by one.
    (Chapter 3)"""
    n = (len(tokens) - 1) // context
    if n < 1:
        raise ValueError(
            f"{len(tokens)} tokens make no window of {context} + 1; use at least {context + 1}"
        )
    return tokens[: n * context].view(n, context), tokens[1 : n * context + 1].view(
        n, context
    )
