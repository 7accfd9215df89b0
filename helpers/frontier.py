"""From sweep records to compute-optimal scaling: compute frontiers and IsoFLOP curves (Chapter 3, notebook 03c).

* :func:`compute_frontier` is Hoffmann et al.'s Approach 1 at toy scale: every run's learning curve is a
  set of (training FLOPs, test loss) points; for each compute budget the frontier keeps the lowest loss
  any run has reached with at most that many FLOPs, and which model size reached it.
* :func:`isoflop_curve` is their Approach 2: at one fixed budget, the loss each model size reaches
  (interpolated along its learning curve), fitted with a parabola in ``log N`` whose vertex is the
  compute-optimal size for that budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Frontier:
    """The compute-efficient frontier: for each budget, the best loss and the model size that reached it.
    (Chapter 3, notebook 03c)"""

    flops: np.ndarray
    loss: np.ndarray
    n_params: np.ndarray


def compute_frontier(
    rows: Sequence[dict[str, Any]], n_budgets: int = 40
) -> Frontier:
    """Lower envelope of all runs' learning curves, on ``n_budgets`` log-spaced compute budgets.
    (Chapter 3, notebook 03c)"""
    points = [
        (point["flops"], point["test_loss"], row["n_params"])
        for row in rows
        for point in row["curve"]
    ]
    flops, loss, n_params = (
        np.array(column, dtype=float) for column in zip(*points)
    )
    budgets = np.geomspace(flops.min(), flops.max(), n_budgets)
    best_loss, best_n = [], []
    for budget in budgets:
        within = flops <= budget * (1 + 1e-9)
        index = np.flatnonzero(within)[np.argmin(loss[within])]
        best_loss.append(loss[index])
        best_n.append(n_params[index])
    return Frontier(
        flops=budgets, loss=np.array(best_loss), n_params=np.array(best_n)
    )


def loss_at_flops(row: dict[str, Any], budget: float) -> float | None:
    """The run's test loss after ``budget`` FLOPs, interpolated linearly in (log FLOPs, log loss) between
    checkpoints; ``None`` when the budget lies outside the run's curve (Chapter 3, notebook 03c)."""
    flops = np.array([point["flops"] for point in row["curve"]], dtype=float)
    loss = np.array([point["test_loss"] for point in row["curve"]], dtype=float)
    if not flops[0] <= budget <= flops[-1]:
        return None
    return float(np.exp(np.interp(np.log(budget), np.log(flops), np.log(loss))))


@dataclass(frozen=True)
class IsoFlopCurve:
    """Loss against model size at one compute budget, and the parabola fitted in ``log N``.
    (Chapter 3, notebook 03c)"""

    budget: float
    n_params: np.ndarray
    loss: np.ndarray
    coefficients: np.ndarray  # parabola in log N: c2 (log N)^2 + c1 log N + c0
    n_opt: float

    def predict(self, n_params: np.ndarray) -> np.ndarray:
        return np.polyval(self.coefficients, np.log(n_params))


def isoflop_curve(rows: Sequence[dict[str, Any]], budget: float) -> IsoFlopCurve:
    """Model sizes' losses at ``budget`` FLOPs (mean over seeds) and the parabola's vertex ``N_opt``.

    Raises ``ValueError`` if fewer than three model sizes reach the budget, or if the parabola opens
    downwards (the budget does not bracket a minimum).
    (Chapter 3, notebook 03c)
    """
    by_size: dict[int, list[float]] = {}
    for row in rows:
        value = loss_at_flops(row, budget)
        if value is not None:
            by_size.setdefault(row["n_params"], []).append(value)
    if len(by_size) < 3:
        raise ValueError(
            f"only {len(by_size)} model sizes reach {budget:.3g} FLOPs; an IsoFLOP curve needs 3"
        )
    n_params = np.array(sorted(by_size), dtype=float)
    loss = np.array([np.mean(by_size[int(n)]) for n in n_params])
    coefficients = np.polyfit(np.log(n_params), loss, deg=2)
    if coefficients[0] <= 0:
        raise ValueError(
            f"at {budget:.3g} FLOPs the loss has no minimum inside the model sizes trained"
        )
    return IsoFlopCurve(
        budget=budget,
        n_params=n_params,
        loss=loss,
        coefficients=coefficients,
        n_opt=float(np.exp(-coefficients[1] / (2 * coefficients[0]))),
    )
