"""Two rival forms of a joint law ``L(N, D)``, fitted so that they can be compared with the Chinchilla
form of :mod:`helpers.fit.joint` by held-out error (Chapter 4, notebooks 04a-04c).

Kaplan et al. (2020, eq. 1.5) write the joint law without a floor, as one power of a sum::

    L(N, D) = [ (N_c / N)^(alpha_N / alpha_D) + D_c / D ]^alpha_D

which tends to ``(N_c/N)^alpha_N`` when data are plentiful and to ``(D_c/D)^alpha_D`` when the model
is. The plainest joint law is a single power of each variable, a plane in log space::

    L(N, D) = K * N^(-a) * D^(-b)

which cannot bend at all: it is what a reader fits when they ignore that a small model stops gaining
from data. Both are fitted by least squares on ``log L``, the residual Hoffmann et al. use.
"""

from __future__ import annotations

import itertools
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
)


@dataclass(frozen=True)
class KaplanJointLaw:
    """``L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D`` (Kaplan et al. 2020, eq. 1.5) (Chapter 4).

    Attributes:
        N_c, D_c: the scales of parameters and data (same units as the fitted ``N`` and ``D``).
        alpha_N, alpha_D: the exponents of the model-limited and data-limited limits.
        rms_log_residual: root-mean-square residual of ``log L`` at the fit.
        n_points: how many points were fitted.
    """

    N_c: float
    D_c: float
    alpha_N: float
    alpha_D: float
    rms_log_residual: float = float("nan")
    n_points: int = 0

    def predict(self, N: ArrayLike, D: ArrayLike) -> float | np.ndarray:
        """The law at ``(N, D)``, elementwise with broadcasting (Chapter 4)."""
        N = as_positive_array(N, "N (parameters)")
        D = as_positive_array(D, "D (training units)")
        return as_scalar_if_0d(
            np.exp(_kaplan_log_loss(self._theta(), np.log(N), np.log(D)))
        )

    def parameters(self) -> dict[str, float]:
        """The fitted parameters by name, for :func:`helpers.fit.bootstrap` (Chapter 4)."""
        return {
            "N_c": self.N_c,
            "D_c": self.D_c,
            "alpha_N": self.alpha_N,
            "alpha_D": self.alpha_D,
        }

    def _theta(self) -> np.ndarray:
        return np.array(
            [np.log(self.N_c), np.log(self.D_c), self.alpha_N, self.alpha_D]
        )

    def __str__(self) -> str:
        return (
            f"KaplanJointLaw(L = [({self.N_c:.4g}/N)^({self.alpha_N:.4f}/{self.alpha_D:.4f})"
            f" + {self.D_c:.4g}/D]^{self.alpha_D:.4f};\n"
            f"  rms log residual {self.rms_log_residual:.4g} on {self.n_points} points)"
        )


@dataclass(frozen=True)
class PlainJointLaw:
    """``L = K N^(-a) D^(-b)``: one power of each variable, no floor, no bend (Chapter 4).

    Attributes:
        K, a, b: the law's constant and exponents.
        rms_log_residual: root-mean-square residual of ``log L`` at the fit.
        n_points: how many points were fitted.
    """

    K: float
    a: float
    b: float
    rms_log_residual: float = float("nan")
    n_points: int = 0

    def predict(self, N: ArrayLike, D: ArrayLike) -> float | np.ndarray:
        """``K N^-a D^-b``, elementwise with broadcasting (Chapter 4)."""
        N = as_positive_array(N, "N (parameters)")
        D = as_positive_array(D, "D (training units)")
        return as_scalar_if_0d(self.K * N ** (-self.a) * D ** (-self.b))

    def parameters(self) -> dict[str, float]:
        """The fitted parameters by name, for :func:`helpers.fit.bootstrap` (Chapter 4)."""
        return {"K": self.K, "a": self.a, "b": self.b}

    def __str__(self) -> str:
        return (
            f"PlainJointLaw(L = {self.K:.4g} N^-{self.a:.4f} D^-{self.b:.4f}; "
            f"rms log residual {self.rms_log_residual:.4g} on {self.n_points} points)"
        )


def _kaplan_log_loss(
    theta: np.ndarray, log_N: np.ndarray, log_D: np.ndarray
) -> np.ndarray:
    """``log L`` of the Kaplan form, computed stably with ``logaddexp``."""
    log_N_c, log_D_c, alpha_N, alpha_D = theta
    return alpha_D * np.logaddexp(
        (alpha_N / alpha_D) * (log_N_c - log_N), log_D_c - log_D
    )


def _prepared(
    N: ArrayLike, D: ArrayLike, L: ArrayLike, n_parameters: int, what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    N = as_positive_1d(N, "N (parameters)")
    D = as_positive_1d(D, "D (training units)")
    L = as_positive_1d(L, "L (losses)")
    n_points = check_same_length(N=N, D=D, L=L)
    check_enough_points(n_points, n_parameters, what)
    return np.log(N), np.log(D), np.log(L)


def fit_kaplan_joint(N: ArrayLike, D: ArrayLike, L: ArrayLike) -> KaplanJointLaw:
    """Fit Kaplan et al.'s joint form by least squares on ``log L`` from a grid of starts (Chapter 4).

    The starts cover ``alpha_N, alpha_D`` in ``{0.1, 0.3, 0.6, 1.0}`` and scales ``N_c, D_c`` at
    ``10^{-2, 0, 2}`` times the data's geometric extremes; each is refined by
    :func:`scipy.optimize.least_squares` with the exponents kept positive, and the best is returned.
    Raises ``ValueError`` on bad input and :class:`ConvergenceError` if no start converges.
    """
    log_N, log_D, log_L = _prepared(N, D, L, 4, "Kaplan's joint law")

    def residuals(theta: np.ndarray) -> np.ndarray:
        return _kaplan_log_loss(theta, log_N, log_D) - log_L

    exponents = (0.1, 0.3, 0.6, 1.0)
    scales = (-2.0, 0.0, 2.0)
    best = None
    for alpha_N, alpha_D, shift_N, shift_D in itertools.product(
        exponents, exponents, scales, scales
    ):
        start = np.array(
            [
                log_N.min() + shift_N * np.log(10),
                log_D.min() + shift_D * np.log(10),
                alpha_N,
                alpha_D,
            ]
        )
        result = least_squares(
            residuals,
            start,
            bounds=([-np.inf, -np.inf, 1e-4, 1e-4], [np.inf, np.inf, 10.0, 10.0]),
            method="trf",
        )
        if result.success and (best is None or result.cost < best.cost):
            best = result
    if best is None:
        raise ConvergenceError(
            f"no start of Kaplan's joint law converged on {len(log_L)} points; check that "
            "the losses fall with N and D"
        )
    log_N_c, log_D_c, alpha_N, alpha_D = best.x
    return KaplanJointLaw(
        N_c=float(np.exp(log_N_c)),
        D_c=float(np.exp(log_D_c)),
        alpha_N=float(alpha_N),
        alpha_D=float(alpha_D),
        rms_log_residual=float(np.sqrt(np.mean(best.fun**2))),
        n_points=len(log_L),
    )


def fit_plain_joint(N: ArrayLike, D: ArrayLike, L: ArrayLike) -> PlainJointLaw:
    """Fit ``log L = log K - a log N - b log D`` by ordinary least squares (Chapter 4)."""
    log_N, log_D, log_L = _prepared(N, D, L, 3, "a plain joint power law")
    design = np.column_stack([np.ones_like(log_N), -log_N, -log_D])
    coefficients, *_ = np.linalg.lstsq(design, log_L, rcond=None)
    residuals = design @ coefficients - log_L
    log_K, a, b = coefficients
    return PlainJointLaw(
        K=float(np.exp(log_K)),
        a=float(a),
        b=float(b),
        rms_log_residual=float(np.sqrt(np.mean(residuals**2))),
        n_points=len(log_L),
    )
