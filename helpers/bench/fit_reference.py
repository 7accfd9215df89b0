"""The plain way to fit the joint law: loop SciPy's L-BFGS-B over every start (the benchmark's baseline)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from helpers.fit.joint import joint_objective


def fit_joint_reference(
    N: np.ndarray,
    D: np.ndarray,
    L: np.ndarray,
    starts: np.ndarray,
    delta: float = 1e-3,
) -> tuple[np.ndarray, float]:
    """Minimise the same Huber objective from each start, one ``scipy.optimize.minimize`` call at a time.

    Returns the best parameters ``(a, b, e, alpha, beta)`` and objective.
    (Chapter 2, notebook 02c: the fit benchmark)
    """
    log_N, log_D, log_L = np.log(N), np.log(D), np.log(L)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = joint_objective(theta[None], log_N, log_D, log_L, delta)
        return float(value[0]), gradient[0]

    best_theta, best_value = starts[0], np.inf
    for start in starts:
        result = minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000},
        )
        if result.fun < best_value:
            best_theta, best_value = result.x, float(result.fun)
    return best_theta, best_value
