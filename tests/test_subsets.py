"""Nested, stratified subsets and conversion of uint8 images to float tensors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.data import channel_stats, nested_subsets, stratified_order
from helpers.data.splits import normalise_pixels

RNG = np.random.default_rng(123)
LABELS = RNG.choice(
    10, size=5_000, p=np.linspace(1, 2, 10) / np.linspace(1, 2, 10).sum()
)


def test_order_is_a_permutation():
    order = stratified_order(LABELS, seed=0)
    assert sorted(order.tolist()) == list(range(len(LABELS)))


def test_subsets_are_nested():
    sizes = [100, 200, 400, 800, 1600]
    subsets = nested_subsets(LABELS, sizes, seed=1)
    assert [len(s) for s in subsets] == sizes
    for small, large in zip(subsets, subsets[1:]):
        assert set(small.tolist()) <= set(large.tolist())


@pytest.mark.parametrize("size", [37, 100, 999, 2500])
def test_every_class_keeps_its_share_within_one(size):
    (subset,) = nested_subsets(LABELS, [size], seed=2)
    shares = np.bincount(LABELS, minlength=10) / len(LABELS)
    counts = np.bincount(LABELS[subset], minlength=10)
    assert np.all(np.abs(counts - size * shares) <= 1.0 + 1e-9)


def test_seed_determines_the_subset():
    first = nested_subsets(LABELS, [300], seed=5)[0]
    again = nested_subsets(LABELS, [300], seed=5)[0]
    other = nested_subsets(LABELS, [300], seed=6)[0]
    np.testing.assert_array_equal(first, again)
    assert set(first.tolist()) != set(other.tolist())


def test_bad_sizes_are_refused():
    with pytest.raises(
        ValueError, match=r"subset sizes \[0, 5001\] must lie in 1..5000"
    ):
        nested_subsets(LABELS, [0, 10, 5001], seed=0)


def test_normalise_pixels_grey_and_colour():
    grey = torch.full((4, 784), 255, dtype=torch.uint8)
    assert torch.all(normalise_pixels(grey, 0.5, 0.25) == 2.0)
    colour = torch.zeros((2, 3, 32, 32), dtype=torch.uint8)
    colour[:, 2] = 51
    mean, std = (
        torch.tensor([0.0, 0.0, 0.1]).view(1, 3, 1, 1),
        torch.tensor([1.0, 1.0, 0.5]).view(1, 3, 1, 1),
    )
    values = normalise_pixels(colour, mean, std)
    assert values.dtype == torch.float32
    assert torch.allclose(values[:, 2], torch.full((2, 32, 32), (0.2 - 0.1) / 0.5))
    assert (
        normalise_pixels(colour, 0.0, 1.0, dtype=torch.float64).dtype
        == torch.float64
    )


def test_normalise_pixels_refuses_floats():
    with pytest.raises(ValueError, match="must be uint8"):
        normalise_pixels(torch.zeros((1, 784)), 0.0, 1.0)


def test_channel_stats_match_numpy():
    images = RNG.integers(0, 256, size=(10, 8, 8, 3), dtype=np.uint8)
    mean, std = channel_stats(images)
    np.testing.assert_allclose(mean, (images / 255.0).mean(axis=(0, 1, 2)))
    np.testing.assert_allclose(std, (images / 255.0).std(axis=(0, 1, 2)))
