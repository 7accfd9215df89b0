"""Input checks shared by every fit: each raises ``ValueError`` naming the bad value and the fix."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


class ConvergenceError(RuntimeError):
    """An optimiser stopped before converging; its numbers would be silently wrong, so none are returned."""


def as_finite_1d(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a float64 vector; refuse other shapes and NaN or infinite entries."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains non-finite values {array[~np.isfinite(array)]}; drop them first")
    return array


def as_positive_1d(values: ArrayLike, name: str) -> np.ndarray:
    """As :func:`as_finite_1d`, and every entry must be positive (it will be logged)."""
    array = as_finite_1d(values, name)
    if np.any(array <= 0):
        raise ValueError(
            f"{name} must be positive to take logarithms, got {array[array <= 0]}; "
            f"drop those points or shift the quantity"
        )
    return array


def check_same_length(**arrays: np.ndarray) -> int:
    """All arrays have one length; return it."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"mismatched lengths: {described}; pass one value of each per point")
    return next(iter(lengths.values()))


def check_enough_points(n_points: int, n_parameters: int, what: str) -> None:
    """A fit of ``n_parameters`` needs at least that many points."""
    if n_points < n_parameters:
        raise ValueError(
            f"{what} has {n_parameters} parameters; got {n_points} point(s), need at least {n_parameters}"
        )


def check_varies(values: np.ndarray, name: str) -> None:
    """A slope along ``values`` needs at least two distinct values."""
    if np.ptp(values) == 0:
        raise ValueError(f"all {name} are equal ({values[0]:g}); a slope needs at least two different {name} values")
