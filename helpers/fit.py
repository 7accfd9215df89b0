"""Fitting scaling laws (Chapter 1, "Your first scaling law"; Chapter 2 develops the full toolkit).

A *pure power law* ``y = A * x**(-alpha)`` is a straight line on log-log axes::

    log y = log A - alpha * log x

so ordinary least squares on ``(log x, log y)`` estimates ``log A`` (the intercept) and ``-alpha``
(the slope). :func:`fit_power_law` does exactly that and returns a :class:`PowerLaw`, an immutable
value with ``.predict(x)``, the fitted parameters, the standard error of ``alpha``, and the R² of
the fit in log space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


def _as_positive_1d(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains non-finite values {array[~np.isfinite(array)]}; drop them first")
    if np.any(array <= 0):
        raise ValueError(
            f"{name} must be positive to take logarithms, got {array[array <= 0]}; "
            f"drop those points or shift the quantity"
        )
    return array


@dataclass(frozen=True)
class PowerLaw:
    """A fitted ``y = A * x**(-alpha)``.

    Attributes:
        A: the value of ``y`` at ``x = 1``.
        alpha: the exponent; ``y`` falls by the factor ``2**(-alpha)`` each time ``x`` doubles.
        alpha_stderr: the least-squares standard error of ``alpha`` (``nan`` with two points).
        r2_log: R² of the straight line in log-log space.
        n_points: how many points were fitted.
    """

    A: float
    alpha: float
    alpha_stderr: float
    r2_log: float
    n_points: int

    def predict(self, x: ArrayLike) -> np.ndarray:
        """``A * x**(-alpha)`` at each ``x`` (which must be positive)."""
        return self.A * _as_positive_1d(np.atleast_1d(x), "x") ** (-self.alpha)

    def equation(self, x: str = "x", y: str = "y") -> str:
        """The law as a matplotlib/LaTeX string, e.g. ``'$y = 3.1\\,x^{-0.35}$'``."""
        return rf"${y} = {self.A:.3g}\,{x}^{{{-self.alpha:.3f}}}$"

    def __str__(self) -> str:
        return (
            f"PowerLaw(y = {self.A:.4g} * x^-{self.alpha:.4f}, alpha = {self.alpha:.4f} "
            f"± {self.alpha_stderr:.4f}, R² (log space) = {self.r2_log:.4f}, {self.n_points} points)"
        )


def fit_power_law(x: ArrayLike, y: ArrayLike) -> PowerLaw:
    """Fit ``y = A * x**(-alpha)`` by least squares on ``log y`` against ``log x``.

    Raises ``ValueError`` for mismatched lengths, fewer than two points, non-positive or
    non-finite values, or ``x`` values that are all equal (the slope is then undefined).
    """
    x = _as_positive_1d(x, "x")
    y = _as_positive_1d(y, "y")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} values but y has {len(y)}; pass one y per x")
    if len(x) < 2:
        raise ValueError(f"a power law has 2 parameters; got {len(x)} point(s), need at least 2")
    log_x, log_y = np.log(x), np.log(y)
    if np.ptp(log_x) == 0:
        raise ValueError(f"all x are equal ({x[0]}); a slope needs at least two different x values")
    design = np.column_stack([np.ones_like(log_x), log_x])  # (n_points, 2): intercept, slope
    (log_A, slope), *_ = np.linalg.lstsq(design, log_y, rcond=None)
    residuals = log_y - design @ np.array([log_A, slope])
    sse = float(residuals @ residuals)
    sst = float(((log_y - log_y.mean()) ** 2).sum())
    dof = len(x) - 2
    slope_stderr = (
        float(np.sqrt(sse / dof / ((log_x - log_x.mean()) ** 2).sum())) if dof > 0 else float("nan")
    )
    return PowerLaw(
        A=float(np.exp(log_A)),
        alpha=float(-slope),
        alpha_stderr=slope_stderr,
        r2_log=1.0 - sse / sst if sst > 0 else 1.0,
        n_points=len(x),
    )
