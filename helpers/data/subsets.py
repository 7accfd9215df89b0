"""Nested, class-balanced training subsets for data-size sweeps, and pixel statistics (Chapters 1–3).

A data-size sweep trains on subsets of growing size ``n``. Two properties keep its curve honest:

* **nested**: the subset of size ``n`` is contained in the subset of size ``2n``, so a larger run sees
  everything a smaller one saw, and differences come from the added data, not from a new draw;
* **stratified**: every prefix keeps the class proportions of the full set (to within one example per
  class), so small subsets are not accidentally missing a class.

Both follow from one seeded *stratified order* of the examples: each example of class ``c`` with
within-class rank ``r`` (after a seeded shuffle) gets the key ``(r + 1/2) / n_c``; sorting by key
interleaves the classes evenly, and a subset is a prefix of that order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def stratified_order(labels: np.ndarray, seed: int) -> np.ndarray:
    """A seeded permutation of ``range(len(labels))`` whose every prefix is class-balanced.
    (Chapter 1, notebook 01: nested subsets)"""
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError(
            f"labels must be a non-empty 1-D array, got shape {labels.shape}"
        )
    rng = np.random.default_rng(seed)
    keys = np.empty(len(labels), dtype=np.float64)
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        keys[members] = (np.arange(len(members)) + 0.5) / len(members)
    tiebreak = rng.random(len(labels))
    return np.lexsort((tiebreak, keys))


def nested_subsets(
    labels: np.ndarray, sizes: Sequence[int], seed: int
) -> list[np.ndarray]:
    """Index arrays of the given sizes, each a prefix of one :func:`stratified_order`.

    ``nested_subsets(labels, [n, 2 * n], seed)[0]`` is contained in the second subset, and each
    subset holds ``round(n * p_c)`` examples of class ``c`` to within one, where ``p_c`` is the class's
    share of ``labels``.
    (Chapter 1, notebook 01: nested subsets)
    """
    sizes = [int(n) for n in sizes]
    if bad := [n for n in sizes if not 0 < n <= len(labels)]:
        raise ValueError(
            f"subset sizes {bad} must lie in 1..{len(labels)} (the number of examples)"
        )
    order = stratified_order(labels, seed)
    return [order[:n] for n in sizes]


def channel_stats(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of uint8 images, on the [0, 1] scale.

    Grey images ``(n, h, w)`` give arrays of length 1; colour images ``(n, h, w, 3)`` of length 3.
    Exact and cheap: computed from each channel's histogram of the 256 byte values,
    ``mean = sum_v count(v) * v / total`` and ``var = sum_v count(v) * (v - mean)**2 / total``.
    (Chapter 1, notebook 01: nested subsets)
    """
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (as loaded), got {images.dtype}")
    channels = images[..., None] if images.ndim == 3 else images
    levels = np.arange(256) / 255.0
    means, stds = [], []
    for c in range(channels.shape[-1]):
        counts = np.bincount(channels[..., c].ravel(), minlength=256)
        mean = counts @ levels / counts.sum()
        means.append(mean)
        stds.append(np.sqrt(counts @ (levels - mean) ** 2 / counts.sum()))
    return np.array(means), np.array(stds)
