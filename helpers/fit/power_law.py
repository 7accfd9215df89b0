"""Power laws, pure and saturating (Chapter 1, notebook 01; Chapter 2, notebooks 02b and 02c).

A *pure* power law ``y = A x^(-alpha)`` is a straight line on log-log axes,
``log y = log A - alpha log x``, so ordinary least squares on ``(log x, log y)`` fits it exactly.

A *saturating* law ``y = E + A x^(-alpha)`` is not: the floor ``E`` bends the log-log line, and a straight
line through such data underestimates ``alpha`` and extrapolates too low. It is fitted by nonlinear least
squares on the log residuals ``r_i = log(E + A x_i^(-alpha)) - log y_i``, with the robust Huber loss
(quadratic for ``|r| <= delta``, linear beyond, so one bad point cannot drag the fit), from a small grid
of starting floors, keeping the best. Parameters are optimised as ``(log A, alpha, log E)``, which keeps
``A`` and ``E`` positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import least_squares

from helpers.fit._checks import (
    ConvergenceError,
    as_positive_1d,
    as_positive_array,
    as_scalar_if_0d,
    check_enough_points,
    check_same_length,
    check_varies,
)


@dataclass(frozen=True)
class PowerLaw:
    """A fitted ``y = E + A * x**(-alpha)`` (``E = 0`` for a pure power law).

    The pure law is Chapter 1's (notebook 01); the saturating one, with its floor ``E``, is Chapter 2's
    (notebook 02c). Chapter 3's notebooks fit both to trained networks.

    Attributes:
        A: the reducible part's value at ``x = 1``.
        alpha: the exponent; the reducible part falls by ``2**(-alpha)`` each time ``x`` doubles.
        E: the floor (irreducible part); 0 for ``offset=False``.
        A_stderr, alpha_stderr, E_stderr: asymptotic least-squares standard errors (``nan`` when the
            fit has no spare degrees of freedom; ``E_stderr`` is 0 for a pure law, whose ``E`` is fixed).
            They are ``sqrt(diag(s^2 (J^T J)^-1))`` with ``J`` the design matrix (pure law) or the
            Jacobian of the log residuals at the fit (saturating law) and ``s^2`` the residual sum of
            squares over the degrees of freedom. For the saturating law this is the plain least-squares
            formula evaluated at the Huber estimate: no Huber weighting and no sandwich correction. Both
            assume independent residuals of equal variance, which points of one learning curve on nested
            subsets are not, so they are optimistic; use :func:`helpers.fit.bootstrap` for reported
            intervals (Chapter 2, "Other nonlinear models, and nonlinear least squares").
        r2_log: R² of the fit to ``log y``.
        n_points: how many points were fitted.
    """

    A: float
    alpha: float
    alpha_stderr: float
    r2_log: float
    n_points: int
    E: float = 0.0
    A_stderr: float = float("nan")
    E_stderr: float = 0.0

    @property
    def has_offset(self) -> bool:
        """Whether the law has a floor ``E > 0`` (Chapter 2, notebook 02c)."""
        return self.E > 0

    def predict(self, x: ArrayLike) -> float | np.ndarray:
        """``E + A * x**(-alpha)`` at ``x`` (which must be positive), like a numpy function: a scalar
        ``x`` gives a ``float``, an array gives an array of its shape (Chapter 1, notebook 01)."""
        return as_scalar_if_0d(
            self.E + self.A * as_positive_array(x, "x") ** (-self.alpha)
        )

    def parameters(self) -> dict[str, float]:
        """The fitted parameters by name, for :func:`helpers.fit.bootstrap` (Chapter 2, notebook 02c)."""
        return {"A": self.A, "alpha": self.alpha, "E": self.E}

    def equation(self, x: str = "x", y: str = "y") -> str:
        """The law as a matplotlib/LaTeX string, e.g. ``'$y = 0.05 + 3.1\\,x^{-0.35}$'``, for legends
        (Chapter 1, notebook 01)."""
        floor = f"{self.E:.3g} + " if self.has_offset else ""
        return rf"${y} = {floor}{self.A:.3g}\,{x}^{{{-self.alpha:.3f}}}$"

    def __str__(self) -> str:
        # One group per line (law; parameters; goodness of fit), so that a printed fit
        # fits the site's code column of about 85 characters.
        offset = f"{self.E:.4g} + " if self.has_offset else ""
        floor = (
            f"E = {self.E:.4g} ± {self.E_stderr:.2g}, " if self.has_offset else ""
        )
        return (
            f"PowerLaw(y = {offset}{self.A:.4g} * x^-{self.alpha:.4f};\n"
            f"  {floor}alpha = {self.alpha:.4f} ± {self.alpha_stderr:.4f},\n"
            f"  R² (log space) = {self.r2_log:.4f}, {self.n_points} points)"
        )


def _r2(log_y: np.ndarray, residuals: np.ndarray) -> float:
    sst = float(((log_y - log_y.mean()) ** 2).sum())
    return 1.0 - float(residuals @ residuals) / sst if sst > 0 else 1.0


def _fit_pure(x: np.ndarray, y: np.ndarray) -> PowerLaw:
    log_x, log_y = np.log(x), np.log(y)
    # (n_points, 2): intercept, slope
    design = np.column_stack([np.ones_like(log_x), log_x])
    (log_A, slope), *_ = np.linalg.lstsq(design, log_y, rcond=None)
    residuals = log_y - design @ np.array([log_A, slope])
    dof = len(x) - 2
    sigma2 = float(residuals @ residuals) / dof if dof > 0 else float("nan")
    covariance = sigma2 * np.linalg.inv(design.T @ design)
    return PowerLaw(
        A=float(np.exp(log_A)),
        alpha=float(-slope),
        alpha_stderr=float(np.sqrt(covariance[1, 1])),
        A_stderr=float(np.exp(log_A) * np.sqrt(covariance[0, 0])),
        r2_log=_r2(log_y, residuals),
        n_points=len(x),
    )


def _saturating_residuals(
    params: np.ndarray, log_x: np.ndarray, log_y: np.ndarray
) -> np.ndarray:
    log_A, alpha, log_E = params
    # log(E + A x^-alpha) = logaddexp(log E, log A - alpha log x), stable for any magnitudes
    return np.logaddexp(log_E, log_A - alpha * log_x) - log_y


def _fit_saturating(x: np.ndarray, y: np.ndarray, huber_delta: float) -> PowerLaw:
    log_x, log_y = np.log(x), np.log(y)
    best = None
    for floor_fraction in (0.0, 0.5, 0.9, 0.99):
        floor = floor_fraction * y.min()
        start_law = _fit_pure(x, y - floor) if floor > 0 else _fit_pure(x, y)
        # start from the straight line through (x, y - floor): exact when the floor is right
        start = np.array(
            [
                np.log(start_law.A),
                start_law.alpha,
                np.log(max(floor, 1e-3 * y.min())),
            ]
        )
        result = least_squares(
            _saturating_residuals,
            start,
            args=(log_x, log_y),
            loss="huber",
            f_scale=huber_delta,
            method="trf",
            x_scale="jac",
            xtol=1e-12,
            ftol=1e-12,
            gtol=1e-12,
            max_nfev=2000,
        )
        if result.status > 0 and (best is None or result.cost < best.cost):
            best = result
    if best is None:
        raise ConvergenceError(
            f"no start of the saturating fit converged on {len(x)} points (x from {x.min():.3g} to "
            f"{x.max():.3g}, y from {y[np.argmin(x)]:.3g} to {y[np.argmax(x)]:.3g}); check that y "
            f"decreases with x towards a floor, or fit offset=False"
        )
    log_A, alpha, log_E = best.x
    residuals = _saturating_residuals(best.x, log_x, log_y)
    dof = len(x) - 3
    if dof > 0:
        sigma2 = float(residuals @ residuals) / dof
        covariance = sigma2 * np.linalg.pinv(best.jac.T @ best.jac)
        stderr = np.sqrt(np.clip(np.diag(covariance), 0, None))
    else:
        stderr = np.full(3, np.nan)
    A, E = float(np.exp(log_A)), float(np.exp(log_E))
    return PowerLaw(
        A=A,
        alpha=float(alpha),
        E=E,
        alpha_stderr=float(stderr[1]),
        A_stderr=A * float(stderr[0]),
        E_stderr=E * float(stderr[2]),
        r2_log=_r2(log_y, residuals),
        n_points=len(x),
    )


def fit_power_law(
    x: ArrayLike, y: ArrayLike, offset: bool = False, *, huber_delta: float = 0.05
) -> PowerLaw:
    """Fit ``y = A * x**(-alpha)``, or ``y = E + A * x**(-alpha)`` when ``offset`` is true.

    The pure fit is explained in Chapter 1 (notebook 01), the saturating one and its Huber loss in
    Chapter 2 (notebook 02c); every later notebook fits its laws with this function.

    The pure law is fitted by least squares on ``log y`` against ``log x``; the saturating law by robust
    nonlinear least squares on log residuals (Huber loss with threshold ``huber_delta``, in log units,
    so 0.05 means residuals beyond about 5% count linearly). The standard errors are least-squares
    ones, ``s^2 (J^T J)^-1``, not a Huber sandwich; see :class:`PowerLaw` for what they assume.

    Raises ``ValueError`` for mismatched lengths, fewer points than parameters (2, or 3 with the
    offset), non-positive or non-finite values, or ``x`` values that are all equal; raises
    :class:`ConvergenceError` if the saturating fit does not converge.
    """
    x = as_positive_1d(x, "x")
    y = as_positive_1d(y, "y")
    n_points = check_same_length(x=x, y=y)
    check_enough_points(
        n_points,
        3 if offset else 2,
        "a power law" + (" with offset" if offset else ""),
    )
    check_varies(x, "x")
    if not offset:
        return _fit_pure(x, y)
    if not huber_delta > 0:
        raise ValueError(
            f"huber_delta must be positive, got {huber_delta}; pass a threshold in log units, "
            f"such as 0.05 (the default), or a large one (1e3) for plain least squares"
        )
    return _fit_saturating(x, y, huber_delta)
