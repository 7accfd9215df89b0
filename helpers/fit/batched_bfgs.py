"""Many independent small minimisations at once: BFGS vectorised over a batch of starting points.

The engine under :func:`helpers.fit.fit_joint`'s grid of starts (Chapter 2, notebook 02c, "Why
thousands of starting points").

Fitting a scaling law from a grid of thousands of starts is thousands of tiny problems (5 parameters,
a few hundred points). Looping an optimiser over them spends most of its time in Python overhead.
Here every start is one row of a ``(K, p)`` array: objective, gradient, search direction, line
search and the BFGS update of each start's inverse Hessian ``(K, p, p)`` are computed for all rows
together with array operations. Each row keeps its own step size and curvature estimate, so the
rows are exactly as independent as separate runs would be.

BFGS update of the inverse Hessian ``H`` from a step ``s`` and gradient change ``y``
(with ``rho = 1 / s.y``, skipped when ``s.y <= 0``)::

    H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T

For ``p = 5`` parameters, storing ``H`` costs nothing, so this is full BFGS, which L-BFGS approximates
with a limited memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ObjectiveAndGradient = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

ARMIJO_C1 = 1e-4
MAX_HALVINGS = 50


@dataclass(frozen=True)
class BatchResult:
    """Where each start ended: parameters ``(K, p)``, objective ``(K,)``, whether it converged, and
    its inverse-Hessian estimate ``(K, p, p)`` (to continue a run with :func:`minimize_batch`).

    Chapter 2, notebook 02c studies the ends of the joint law's starts with it
    (:func:`helpers.fit.joint.joint_start_outcomes`).
    """

    x: np.ndarray
    fun: np.ndarray
    converged: np.ndarray
    iterations: int
    inverse_hessians: np.ndarray

    def best(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Parameters and inverse Hessians of the ``count`` starts with the lowest finite objective:
        the survivors of one screening stage of :func:`helpers.fit.fit_joint` (Chapter 2, notebook 02c)."""
        order = np.argsort(np.where(np.isfinite(self.fun), self.fun, np.inf))[
            :count
        ]
        return self.x[order], self.inverse_hessians[order]


def minimize_batch(
    fun_and_grad: ObjectiveAndGradient,
    starts: np.ndarray,
    *,
    max_iterations: int = 500,
    ftol: float = 1e-13,
    inverse_hessians: np.ndarray | None = None,
    max_step: float = 10.0,
) -> BatchResult:
    """Minimise one objective from every row of ``starts`` ``(K, p)`` independently (Chapter 2, notebook 02c).

    ``fun_and_grad(x)`` maps ``(k, p)`` parameters to objectives ``(k,)`` and gradients ``(k, p)``.
    A row has converged when its relative decrease falls below ``ftol`` twice in a row, or its line
    search cannot decrease the objective any further (it is then at a minimum to machine precision).
    ``inverse_hessians`` ``(K, p, p)`` continues from an earlier run's curvature estimates. No step is
    longer than ``max_step`` (in parameter units), so a poor curvature estimate cannot fling a start
    to overflowing values.
    """
    x = np.array(starts, dtype=np.float64)
    n_starts, n_params = x.shape
    f, g = fun_and_grad(x)
    identity = np.eye(n_params)
    if inverse_hessians is None:  # first steps have unit length: H0 = I / |g|
        H = (
            identity[None]
            / np.maximum(np.linalg.norm(g, axis=1), 1e-12)[:, None, None]
        )
    else:
        H = np.array(inverse_hessians, dtype=np.float64)
    # starts whose objective is already not finite are dropped
    converged = ~np.isfinite(f)
    quiet_steps = np.zeros(n_starts, dtype=int)
    iteration = 0
    for iteration in range(1, max_iterations + 1):
        active = np.flatnonzero(~converged)
        if active.size == 0:
            break
        xa, fa, ga, Ha = x[active], f[active], g[active], H[active]
        direction = -np.einsum("kij,kj->ki", Ha, ga)
        slope = np.einsum("ki,ki->k", ga, direction)
        # curvature estimate went bad: restart as steepest descent
        uphill = slope >= 0
        if uphill.any():
            Ha[uphill] = (
                identity
                / np.maximum(np.linalg.norm(ga[uphill], axis=1), 1e-12)[
                    :, None, None
                ]
            )
            direction[uphill] = (
                -ga[uphill]
                / np.maximum(np.linalg.norm(ga[uphill], axis=1), 1e-12)[:, None]
            )
            slope[uphill] = np.einsum("ki,ki->k", ga[uphill], direction[uphill])
        length = np.linalg.norm(direction, axis=1)
        too_long = length > max_step
        if too_long.any():
            direction[too_long] *= (max_step / length[too_long])[:, None]
            slope[too_long] = np.einsum(
                "ki,ki->k", ga[too_long], direction[too_long]
            )
        step = np.ones(active.size)
        f_new, g_new = np.empty_like(fa), np.empty_like(ga)
        searching = np.ones(active.size, dtype=bool)
        for _ in range(MAX_HALVINGS):
            rows = np.flatnonzero(searching)
            trial_f, trial_g = fun_and_grad(
                xa[rows] + step[rows, None] * direction[rows]
            )
            accepted = np.isfinite(trial_f) & (
                trial_f <= fa[rows] + ARMIJO_C1 * step[rows] * slope[rows]
            )
            f_new[rows[accepted]], g_new[rows[accepted]] = (
                trial_f[accepted],
                trial_g[accepted],
            )
            searching[rows[accepted]] = False
            step[rows[~accepted]] *= 0.5
            if not searching.any():
                break
        stalled = searching  # no decrease found along the direction: at a minimum to precision
        moved = ~stalled
        s = step[:, None] * direction
        y = g_new - ga
        sy = np.einsum("ki,ki->k", s, y)
        update = moved & (
            sy > 1e-12 * np.linalg.norm(s, axis=1) * np.linalg.norm(y, axis=1)
        )
        if update.any():
            su, yu, Hu = s[update], y[update], Ha[update]
            rho = 1.0 / sy[update]
            left = identity[None] - rho[:, None, None] * np.einsum(
                "ki,kj->kij", su, yu
            )
            Ha[update] = np.einsum("kij,kjl,kml->kim", left, Hu, left) + rho[
                :, None, None
            ] * np.einsum("ki,kj->kij", su, su)
        relative_decrease = np.where(
            moved,
            (fa - np.where(moved, f_new, fa)) / np.maximum(np.abs(fa), 1e-300),
            0,
        )
        quiet_steps[active] = np.where(
            moved & (relative_decrease < ftol), quiet_steps[active] + 1, 0
        )
        x[active[moved]] = xa[moved] + s[moved]
        f[active[moved]], g[active[moved]] = f_new[moved], g_new[moved]
        H[active] = Ha
        converged[active[stalled | (quiet_steps[active] >= 2)]] = True
    return BatchResult(
        x=x, fun=f, converged=converged, iterations=iteration, inverse_hessians=H
    )
