"""Input checks shared by every fit: each raises ``ValueError`` naming the bad value and the fix.

Used by every fit in :mod:`helpers.fit` (Chapters 1-3); the checks themselves are part of the habit
Chapter 2, notebook 02a teaches: a fit that cannot be trusted says so instead of returning numbers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


class ConvergenceError(RuntimeError):
    """An optimiser stopped before converging; its numbers would be silently wrong, so none are returned.

    (Chapter 2, notebook 02a: gradient descent with too large a step; notebook 02c: the saturating
    and joint fits.)
    """


def as_finite_1d(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a float64 vector; refuse other shapes and NaN or infinite entries.

    The first check of every fit in :mod:`helpers.fit` (Chapters 1-3).
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be one-dimensional (one value per point), got shape {array.shape}; "
            f"pass a flat list or a 1-D array, e.g. np.ravel({name})"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} contains non-finite values {array[~np.isfinite(array)]}; drop them first"
        )
    return array


def as_positive_1d(values: ArrayLike, name: str) -> np.ndarray:
    """As :func:`as_finite_1d`, and every entry must be positive (it will be logged).

    Used by the power-law and joint fits (Chapter 1, notebook 01; Chapter 2, notebook 02c).
    """
    array = as_finite_1d(values, name)
    if np.any(array <= 0):
        raise ValueError(
            f"{name} must be positive to take logarithms, got {array[array <= 0]}; "
            f"drop those points or shift the quantity"
        )
    return array


def as_positive_array(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a float64 array of any shape (0-d for a scalar), every entry finite and positive.

    The check of the laws' ``predict`` and ``compute_optimal`` (Chapter 1, notebook 01; Chapter 2,
    notebook 02c), which accept a scalar or an array the way numpy functions do.
    """
    array = np.asarray(values, dtype=np.float64)
    bad = ~(np.isfinite(array) & (array > 0))
    if np.any(bad):
        raise ValueError(
            f"{name} must be finite and positive, got {array[bad]}; pass values > 0 "
            f"(a law of the form x^-alpha is defined only there)"
        )
    return array


def as_scalar_if_0d(array: np.ndarray) -> float | np.ndarray:
    """A 0-d result as a Python ``float``, any other array unchanged: scalar in, scalar out, as in numpy.

    How the laws' ``predict`` and ``compute_optimal`` return (Chapter 1, notebook 01; Chapter 2, 02c).
    """
    return float(array) if np.ndim(array) == 0 else array


def check_same_length(**arrays: np.ndarray) -> int:
    """All arrays have one length; return it. (Every fit in :mod:`helpers.fit`, Chapters 1-3.)"""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(
            f"mismatched lengths: {described}; pass one value of each per point"
        )
    return next(iter(lengths.values()))


def check_enough_points(n_points: int, n_parameters: int, what: str) -> None:
    """A fit of ``n_parameters`` needs at least that many points (Chapter 2, notebook 02a)."""
    if n_points < n_parameters:
        raise ValueError(
            f"{what} has {n_parameters} parameters; got {n_points} point(s), need at least {n_parameters}: "
            f"add points, or fit a law with fewer parameters"
        )


def check_varies(values: np.ndarray, name: str) -> None:
    """A slope along ``values`` needs at least two distinct values (Chapter 2, notebook 02a)."""
    if np.ptp(values) == 0:
        raise ValueError(
            f"all {name} are equal ({values[0]:g}); a slope needs at least two different {name} values, "
            f"so measure at more than one {name}"
        )
