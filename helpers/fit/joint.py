"""The joint law ``L(N, D) = E + A / N^alpha + B / D^beta`` and compute-optimal allocation (Chapter 2,
notebook 02c; fitted to trained networks in Chapter 3, notebook 03b).

Fitted as Hoffmann et al. (2022, App. D.2) do. With ``theta = (a, b, e, alpha, beta)`` and
``A, B, E = exp(a), exp(b), exp(e)``, the law's logarithm is a log-sum-exp,

    log L_hat(N, D) = LSE(a - alpha log N, b - beta log D, e),

and the fit minimises the Huber loss of the log residuals,

    sum_i Huber_delta( LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i ),  delta = 1e-3,

from every point of a grid of starting values, keeping the best. Here all starts are optimised at
once (:mod:`helpers.fit.batched_bfgs`), the most promising are run to convergence, and the best is
polished with SciPy's L-BFGS-B.

Compute-optimal allocation under ``C = 6 N D`` (Hoffmann et al., section 3.3)::

    N_opt = G (C/6)^(beta/(alpha+beta)),  D_opt = G^-1 (C/6)^(alpha/(alpha+beta)),
    G = (alpha A / (beta B))^(1/(alpha+beta)).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize

from helpers.fit._checks import (
    ConvergenceError,
    as_positive_1d,
    as_positive_array,
    as_scalar_if_0d,
    check_enough_points,
    check_same_length,
    check_varies,
)
from helpers.fit.batched_bfgs import BatchResult, minimize_batch


def hoffmann_grid() -> np.ndarray:
    """Hoffmann et al.'s initialisation grid as ``(4500, 5)`` rows of ``(a, b, e, alpha, beta)``.

    alpha, beta in {0, 0.5, ..., 2}; e in {-1, -0.5, ..., 1}; a, b in {0, 5, ..., 25}. Chapter 2,
    notebook 02c ("Why thousands of starting points") explains why a fit needs so many starts.
    """
    exponents = np.arange(0.0, 2.01, 0.5)
    offsets = np.arange(-1.0, 1.01, 0.5)
    scales = np.arange(0.0, 25.1, 5.0)
    return np.array(
        [
            (a, b, e, alpha, beta)
            for alpha, beta, e, a, b in itertools.product(
                exponents, exponents, offsets, scales, scales
            )
        ]
    )


def joint_objective(
    theta: np.ndarray,
    log_N: np.ndarray,
    log_D: np.ndarray,
    log_L: np.ndarray,
    delta: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Huber objective and its gradient for a batch of parameter rows ``theta`` ``(K, 5)``.

    The loss :func:`fit_joint` minimises, written out in this module's docstring and explained in
    Chapter 2, notebook 02c ("The joint law, and why the loss is Huber").

    Returns the objectives ``(K,)`` and gradients ``(K, 5)`` with respect to ``(a, b, e, alpha, beta)``.
    """
    a, b, e, alpha, beta = (theta[:, j : j + 1] for j in range(5))  # each (K, 1)
    u_model = a - alpha * log_N  # (K, n): log of A / N^alpha
    u_data = b - beta * log_D  # (K, n): log of B / D^beta
    u_floor = np.broadcast_to(e, u_model.shape)  # (K, n): log E
    top = np.maximum(np.maximum(u_model, u_data), u_floor)
    w_model, w_data, w_floor = (
        np.exp(u_model - top),
        np.exp(u_data - top),
        np.exp(u_floor - top),
    )
    total = w_model + w_data + w_floor
    residual = top + np.log(total) - log_L  # (K, n)
    magnitude = np.abs(residual)
    # Huber(r) = r^2/2 for |r| <= delta, delta (|r| - delta/2) beyond; written so nothing overflows
    huber = 0.5 * np.minimum(magnitude, delta) ** 2 + delta * np.maximum(
        magnitude - delta, 0.0
    )
    # Huber'(r) times 1/sum, shared by the three terms
    psi = np.clip(residual, -delta, delta) / total
    psi_model, psi_data = psi * w_model, psi * w_data
    gradient = np.column_stack(
        [
            psi_model.sum(axis=1),
            psi_data.sum(axis=1),
            (psi * w_floor).sum(axis=1),
            -(psi_model @ log_N),
            -(psi_data @ log_D),
        ]
    )
    return huber.sum(axis=1), gradient


@dataclass(frozen=True)
class JointLaw:
    """A fitted ``L(N, D) = E + A / N**alpha + B / D**beta`` (Chapter 2, notebook 02c; Chapter 3,
    notebook 03b fits it to trained networks).

    Attributes:
        E, A, B, alpha, beta: the law's parameters.
        objective: the Huber objective at the fit (sum over points, in log-loss units).
        n_points: the number of ``(N, D, L)`` points fitted.
        n_starts: how many initial points were tried.
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float = float("nan")
    n_points: int = 0
    n_starts: int = 0

    def predict(self, N: ArrayLike, D: ArrayLike) -> float | np.ndarray:
        """``E + A / N**alpha + B / D**beta``, elementwise, like a numpy function (Chapter 2, notebook 02c).

        ``N`` and ``D`` broadcast against each other; two scalars give a ``float``, anything else an
        array of the broadcast shape.
        """
        N, D = (
            as_positive_array(N, "N (parameters)"),
            as_positive_array(D, "D (training tokens or examples)"),
        )
        return as_scalar_if_0d(
            self.E + self.A * N ** (-self.alpha) + self.B * D ** (-self.beta)
        )

    def parameters(self) -> dict[str, float]:
        """The fitted parameters by name, for :func:`helpers.fit.bootstrap` (Chapter 2, notebook 02c)."""
        return {
            "E": self.E,
            "A": self.A,
            "B": self.B,
            "alpha": self.alpha,
            "beta": self.beta,
        }

    def as_start(self) -> np.ndarray:
        """These parameters as one starting row ``(1, 5)`` for :func:`fit_joint`: a warm start, as the
        bootstrap of Chapter 2, notebook 02c uses."""
        return np.array(
            [
                [
                    np.log(self.A),
                    np.log(self.B),
                    np.log(self.E),
                    self.alpha,
                    self.beta,
                ]
            ]
        )

    @property
    def G(self) -> float:
        """``(alpha A / (beta B))^(1/(alpha+beta))``, the scale of the compute-optimal frontier (Chapter 2,
        notebook 02c)."""
        return (self.alpha * self.A / (self.beta * self.B)) ** (
            1.0 / (self.alpha + self.beta)
        )

    def compute_optimal(
        self, C: ArrayLike
    ) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
        """``(N_opt, D_opt)`` minimising the law on ``C = 6 N D`` for the compute budget ``C`` (FLOPs).

        Like a numpy function: a scalar ``C`` gives two floats, an array gives two arrays of its shape
        (Chapter 2, notebook 02c; the formula is in this module's docstring).
        """
        C = as_positive_array(C, "C (compute budget, FLOPs)")
        total = self.alpha + self.beta
        N_opt = self.G * (C / 6.0) ** (self.beta / total)
        D_opt = (C / 6.0) ** (self.alpha / total) / self.G
        return as_scalar_if_0d(N_opt), as_scalar_if_0d(D_opt)

    def tokens_per_parameter(self, C: ArrayLike) -> float | np.ndarray:
        """``D_opt / N_opt`` at the compute budget ``C``: a float for a scalar, an array for an array
        (Chapter 2, notebook 02c)."""
        N_opt, D_opt = self.compute_optimal(C)
        return D_opt / N_opt

    def __str__(self) -> str:
        # The law on one line, the fit on the next, so that a printed fit fits the
        # site's code column of about 85 characters.
        return (
            f"JointLaw(L = {self.E:.4g} + {self.A:.4g}/N^{self.alpha:.4f} + "
            f"{self.B:.4g}/D^{self.beta:.4f};\n"
            f"  Huber objective {self.objective:.6g} on {self.n_points} points, "
            f"best of {self.n_starts} starts)"
        )


def _prepared(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    delta: float,
    init_grid: ArrayLike | None,
):
    N = as_positive_1d(N, "N")
    D = as_positive_1d(D, "D")
    L = as_positive_1d(L, "L")
    n_points = check_same_length(N=N, D=D, L=L)
    check_enough_points(n_points, 5, "the joint law")
    check_varies(N, "N")
    check_varies(D, "D")
    if not delta > 0:
        raise ValueError(
            f"delta must be positive, got {delta}; pass a Huber threshold in log-loss units, such as "
            f"1e-3 (the default, as in Hoffmann et al.)"
        )
    starts = (
        hoffmann_grid()
        if init_grid is None
        else np.atleast_2d(np.asarray(init_grid, dtype=np.float64))
    )
    if starts.ndim != 2 or starts.shape[1] != 5:
        raise ValueError(
            f"init_grid must be finite rows of (a, b, e, alpha, beta), got shape {starts.shape}; pass an "
            f"array of shape (K, 5), such as hoffmann_grid() or law.as_start()"
        )
    if not np.all(np.isfinite(starts)):
        bad_rows = np.flatnonzero(~np.all(np.isfinite(starts), axis=1))
        raise ValueError(
            f"init_grid must be finite rows of (a, b, e, alpha, beta), got non-finite values in rows "
            f"{bad_rows} (e.g. {starts[bad_rows[0]]}); drop those rows or replace them"
        )
    log_N, log_D, log_L = np.log(N), np.log(D), np.log(L)

    def batch_objective(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return joint_objective(theta, log_N, log_D, log_L, delta)

    return batch_objective, starts, n_points


def joint_start_outcomes(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    delta: float = 1e-3,
    *,
    init_grid: ArrayLike | None = None,
    max_iterations: int = 300,
) -> BatchResult:
    """Run every start of the grid on its own for up to ``max_iterations`` BFGS steps, keeping all.

    For studying the initialisation grid (Chapter 2, notebook 02c): where each start ends and how
    many reach the best objective. :func:`fit_joint` is the way to get the fit itself.
    """
    batch_objective, starts, _ = _prepared(N, D, L, delta, init_grid)
    return minimize_batch(batch_objective, starts, max_iterations=max_iterations)


def fit_joint(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    delta: float = 1e-3,
    *,
    init_grid: ArrayLike | None = None,
    screening: tuple[tuple[int, int], ...] = ((10, 512), (20, 64)),
) -> JointLaw:
    """Fit ``L(N, D) = E + A/N^alpha + B/D^beta`` by Huber loss on log residuals (Hoffmann et al., App. D.2).

    Explained in Chapter 2, notebook 02c; Chapter 3, notebook 03b fits it to trained networks.

    Args:
        N, D, L: parameters, training tokens (or examples) and losses, one per run; all positive.
        delta: the Huber threshold in log-loss units (Hoffmann et al. use 1e-3).
        init_grid: starting rows ``(K, 5)`` of ``(a, b, e, alpha, beta)``; default :func:`hoffmann_grid`.
        screening: successive halving of the starts: ``(iterations, survivors)`` stages. By default
            every start takes 10 BFGS steps, the best 512 take 20 more, and the best 64 of those run
            to convergence. The benchmark (``scaling-book bench fit``) checks that this finds
            the same optimum as running every start to convergence.

    Raises ``ValueError`` on bad input and :class:`ConvergenceError` if the best start did not converge.
    """
    batch_objective, starts, n_points = _prepared(N, D, L, delta, init_grid)
    survivors, curvature = starts, None
    for iterations, keep in screening:
        stage = minimize_batch(
            batch_objective,
            survivors,
            max_iterations=iterations,
            inverse_hessians=curvature,
        )
        survivors, curvature = stage.best(keep)
    finalists = minimize_batch(
        batch_objective, survivors, max_iterations=2000, inverse_hessians=curvature
    )
    best = int(
        np.nanargmin(np.where(np.isfinite(finalists.fun), finalists.fun, np.nan))
    )

    def single_objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = batch_objective(theta[None])
        return float(value[0]), gradient[0]

    polished = minimize(
        single_objective,
        finalists.x[best],
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000},
    )
    theta, objective = (
        (polished.x, polished.fun)
        if polished.fun <= finalists.fun[best]
        else (finalists.x[best], finalists.fun[best])
    )
    if not (polished.success or finalists.converged[best]):
        raise ConvergenceError(
            f"the joint fit did not converge ({polished.message}; best Huber objective {objective:.6g} "
            f"at (a, b, e, alpha, beta) = {np.round(theta, 4)} on {n_points} points); check the data, "
            f"or pass a larger init_grid"
        )
    a, b, e, alpha, beta = theta
    return JointLaw(
        E=float(np.exp(e)),
        A=float(np.exp(a)),
        B=float(np.exp(b)),
        alpha=float(alpha),
        beta=float(beta),
        objective=float(objective),
        n_points=n_points,
        n_starts=len(starts),
    )
