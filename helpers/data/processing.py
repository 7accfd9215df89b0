"""Data processing as a change to the data term of a scaling law (Chapter 3, notebook 03d).

Two classic steps, applied to MNIST:

* **augmentation**, :func:`random_shifts`: each training image is moved by up to ``max_shift`` pixels in
  each direction (zero-filled), a new random shift every time it is drawn, so the network sees new views
  of the same digits;
* **feature extraction**, :func:`pca_splits`: images are replaced by their coordinates on the top ``k``
  principal components of the training subset (computed from the training images only), a compression
  from 784 numbers to ``k``.

Each is judged the way notebook 03d does: fit the data law with and without it and read off the
*effective-data multiplier*, the factor by which the baseline would need more data to match.
"""

from __future__ import annotations

import dataclasses

import torch

from helpers.data.splits import ImageSplits, normalise_pixels

PROCESSINGS = ("none", "shift2", "pca50")
"""The processings a sweep can apply: none, random shifts of up to 2 pixels, 50 principal components."""


def random_shifts(
    images: torch.Tensor, max_shift: int, generator: torch.Generator, side: int = 28
) -> torch.Tensor:
    """Shift each flattened ``side x side`` uint8 image by its own random offset in
    ``[-max_shift, max_shift]`` along both axes, filling with zeros: ``(batch, side*side)`` in and out.
    (Chapter 3, notebook 03d)"""
    batch = images.shape[0]
    # (batch, side+2s, side+2s)
    padded = torch.nn.functional.pad(
        images.view(batch, side, side), (max_shift,) * 4
    )
    offsets = torch.randint(0, 2 * max_shift + 1, (2, batch), generator=generator)
    grid = torch.arange(side)
    rows = (offsets[0][:, None] + grid)[:, :, None]  # (batch, side, 1)
    cols = (offsets[1][:, None] + grid)[:, None, :]  # (batch, 1, side)
    return padded[torch.arange(batch)[:, None, None], rows, cols].reshape(
        batch, side * side
    )


def pca_splits(data: ImageSplits, components: int) -> ImageSplits:
    """Project standardised pixels onto the top ``components`` principal directions of the training
    subset; the features are scaled by the training projections' overall standard deviation.
    (Chapter 3, notebook 03d)"""
    if not 0 < components <= data.train_x.shape[1]:
        raise ValueError(
            f"components must lie in 1..{data.train_x.shape[1]}, got {components}"
        )

    def standardised(x: torch.Tensor) -> torch.Tensor:  # float64 for the SVD
        return normalise_pixels(x, data.mean, data.std, dtype=torch.float64)

    train = standardised(data.train_x)
    centre = train.mean(dim=0)
    _, _, right = torch.linalg.svd(train - centre, full_matrices=False)
    basis = right[:components].T  # (784, components)
    train_features = (train - centre) @ basis
    scale = train_features.std()

    def project(x: torch.Tensor) -> torch.Tensor:
        return (((standardised(x) - centre) @ basis) / scale).float()

    return dataclasses.replace(
        data,
        train_x=project(data.train_x),
        val_x=project(data.val_x),
        test_x=project(data.test_x),
        mean=0.0,
        std=1.0,
    )


def apply_processing(name: str, data: ImageSplits) -> tuple[ImageSplits, int]:
    """The splits to train on and the augmentation shift for processing ``name`` (one of
    :data:`PROCESSINGS`): ``"shift2"`` shifts training batches by up to 2 pixels, ``"pca50"`` keeps 50
    principal components (Chapter 3, notebook 03d)."""
    if name not in PROCESSINGS:
        raise ValueError(
            f"unknown processing {name!r}: choose one of {', '.join(PROCESSINGS)}"
        )
    if name == "pca50":
        return pca_splits(data, 50), 0
    return data, 2 if name == "shift2" else 0
