"""Augmentation by random shifts and PCA feature extraction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.data.processing import apply_processing, pca_splits, random_shifts
from helpers.data.splits import ImageSplits


def test_random_shifts_move_each_image_by_its_own_offset():
    images = torch.zeros(50, 28 * 28, dtype=torch.uint8)
    images.view(50, 28, 28)[:, 14, 14] = 255  # one bright pixel in the middle
    shifted = random_shifts(images, 2, torch.Generator().manual_seed(0)).view(
        50, 28, 28
    )
    positions = [tuple(np.argwhere(image.numpy() == 255)[0]) for image in shifted]
    offsets = {(r - 14, c - 14) for r, c in positions}
    assert (
        all(abs(dr) <= 2 and abs(dc) <= 2 for dr, dc in offsets)
        and len(offsets) > 10
    )
    # nothing else changed
    assert shifted.dtype == torch.uint8 and int(shifted.sum()) == 50 * 255


def test_shift_fills_with_zeros_and_zero_shift_is_identity():
    images = torch.full((4, 784), 7, dtype=torch.uint8)
    shifted = random_shifts(images, 3, torch.Generator().manual_seed(1)).view(
        4, 28, 28
    )
    assert set(shifted.unique().tolist()) <= {0, 7}
    same = random_shifts(images, 0, torch.Generator().manual_seed(1))
    assert torch.equal(same, images)


def splits(n: int = 300) -> ImageSplits:
    rng = np.random.default_rng(0)
    # data on a 5-dimensional plane
    low_rank = rng.normal(size=(n + 200, 5)) @ rng.normal(size=(5, 784))
    pixels = torch.from_numpy(np.clip(128 + 10 * low_rank, 0, 255).astype(np.uint8))
    labels = torch.from_numpy(rng.integers(0, 10, n + 200))
    return ImageSplits(
        pixels[:n],
        labels[:n],
        pixels[n : n + 100],
        labels[n : n + 100],
        pixels[n + 100 :],
        labels[n + 100 :],
        mean=0.5,
        std=0.2,
    )


def test_pca_keeps_the_variance_of_low_rank_data():
    data = splits()
    reduced = pca_splits(data, 5)
    assert (
        reduced.train_x.shape == (300, 5) and reduced.train_x.dtype == torch.float32
    )
    assert reduced.test_x.shape == (100, 5)
    # five components hold (almost) all the variation of data that lies on a five-dimensional plane
    more = pca_splits(data, 20)
    assert (
        more.train_x[:, 5:].var(dim=0).max()
        < 0.05 * more.train_x[:, :5].var(dim=0).min()
    )


def test_pca_refuses_impossible_sizes():
    with pytest.raises(ValueError, match="components must lie in 1..784"):
        pca_splits(splits(), 0)


def test_apply_processing_names_the_choices():
    data = splits()
    assert apply_processing("none", data) == (data, 0)
    assert apply_processing("shift2", data) == (data, 2)
    reduced, shift = apply_processing("pca50", data)
    assert reduced.train_x.shape[1] == 50 and shift == 0
    with pytest.raises(
        ValueError,
        match="unknown processing 'blur': choose one of none, shift2, pca50",
    ):
        apply_processing("blur", data)
