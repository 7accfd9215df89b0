"""Validating a scaling law as forecasters do: fit on the small runs of a sweep, predict the large ones
(Chapter 4, notebooks 04a-04d).

A sweep's records (:class:`helpers.results.RunRecord`) become a :class:`JointTable`, one row per model
size and data size with the loss averaged over seeds. Then:

- :func:`largest_held_out` marks the runs at the largest model size or the largest data size, which a
  law fitted on the rest must predict;
- :func:`forecast` fits any law (``fit_joint``, ``fit_kaplan_joint``, ``fit_plain_joint``) on the rest
  and returns each held-out point's relative error;
- :func:`window_forecasts` fits on windows of growing width (the ``k`` smallest model sizes and data
  sizes) and measures each prediction's error against its *extrapolation distance*, the decades by
  which the point lies beyond the window: ``max(log10(N / N_window), log10(D / D_window), 0)``;
- :func:`compute_optimal_exact` reads the compute-optimal model size off a fitted law with compute
  counted as the runs spent it: the family's exact FLOPs per unit times the units seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from helpers.fit import ExtrapolationCheck, check_extrapolation
from helpers.results import RunRecord


@dataclass(frozen=True)
class JointTable:
    """One row per ``(n_params, n_train)`` configuration of a sweep, losses averaged over seeds
    (Chapter 4).

    Attributes:
        N: parameters of the model (``size`` field of the records, ``n_params`` by default).
        D: distinct training units (``n_train``).
        L: the mean over seeds of the chosen loss; ``L_std`` its standard deviation over seeds.
        n_seeds: seeds averaged in each row.
        flops_per_unit: training FLOPs per unit of the configuration's model.
        loss: which record field ``L`` holds.
    """

    N: np.ndarray
    D: np.ndarray
    L: np.ndarray
    L_std: np.ndarray
    n_seeds: np.ndarray
    flops_per_unit: np.ndarray
    loss: str

    def __len__(self) -> int:
        return len(self.N)


def joint_table(
    rows: Sequence[RunRecord],
    loss: str = "early_stopped_test_loss",
    size: str = "n_params",
) -> JointTable:
    """Average ``loss`` over seeds for every configuration of ``rows`` (Chapter 4).

    ``size`` is the record field used as ``N``: ``"n_params"``, or ``"n_params_non_embedding"`` as
    Kaplan et al. count a language model. Rows whose ``loss`` is missing (``None``) are refused.
    """
    if not rows:
        raise ValueError(
            "no records to tabulate: pass a sweep's records from sweep_results"
        )
    missing = [row["key"] for row in rows if row.get(loss) is None]
    if missing:
        raise ValueError(
            f"{len(missing)} records have no {loss!r} (for example {missing[0]}); choose a "
            "loss every record has, such as 'test_loss'"
        )
    groups: dict[tuple[int, int], list[RunRecord]] = {}
    for row in rows:
        groups.setdefault((row[size], row["n_train"]), []).append(row)
    configurations = sorted(groups)
    losses = [
        np.array([row[loss] for row in groups[c]], float) for c in configurations
    ]
    return JointTable(
        N=np.array([c[0] for c in configurations], dtype=float),
        D=np.array([c[1] for c in configurations], dtype=float),
        L=np.array([values.mean() for values in losses]),
        L_std=np.array(
            [values.std(ddof=1) if len(values) > 1 else 0.0 for values in losses]
        ),
        n_seeds=np.array([len(values) for values in losses]),
        flops_per_unit=np.array(
            [groups[c][0]["flops_per_unit"] for c in configurations], dtype=float
        ),
        loss=loss,
    )


def best_at_last_checkpoint(rows: Sequence[RunRecord]) -> list[RunRecord]:
    """The runs whose lowest validation loss came at their last checkpoint (Chapter 4).

    A run in this list was still improving when it ended: its loss may measure its step budget as much
    as its model and data. A run stopped early by its recipe's patience is never in it.
    """
    return [row for row in rows if row["best_val_step"] == row["curve"][-1]["step"]]


def largest_held_out(table: JointTable) -> np.ndarray:
    """The mask of the configurations at the largest model size or the largest data size (Chapter 4)."""
    return (table.N == table.N.max()) | (table.D == table.D.max())


def forecast(
    fit_fn: Callable[..., Any], table: JointTable, held_out: np.ndarray
) -> ExtrapolationCheck:
    """Fit ``fit_fn(N, D, L)`` on the rows not in ``held_out`` and predict those in it (Chapter 4).

    The relative error of each prediction is ``(predicted - observed) / observed``.
    """
    return check_extrapolation(fit_fn, table.N, table.D, table.L, held_out=held_out)


@dataclass(frozen=True)
class WindowForecast:
    """A law fitted on the ``k`` smallest model sizes and data sizes, and its forecasts beyond them
    (Chapter 4).

    Attributes:
        k: sizes of each axis in the window.
        N_window, D_window: the largest model size and data size inside the window.
        distance: each predicted point's extrapolation distance in decades.
        relative_error: each predicted point's ``(predicted - observed) / observed``.
    """

    k: int
    N_window: float
    D_window: float
    distance: np.ndarray
    relative_error: np.ndarray


def extrapolation_distance(
    N: np.ndarray, D: np.ndarray, N_window: float, D_window: float
) -> np.ndarray:
    """``max(log10(N / N_window), log10(D / D_window), 0)``: how many decades a point lies beyond a fit
    window along its farther axis (Chapter 4)."""
    return np.maximum.reduce(
        [np.log10(N / N_window), np.log10(D / D_window), np.zeros_like(N)]
    )


def window_forecasts(
    fit_fn: Callable[..., Any], table: JointTable, smallest_window: int = 3
) -> list[WindowForecast]:
    """Fit on the ``k`` smallest model and data sizes for ``k = smallest_window ...`` up to one less than
    the axes allow, and predict every point outside each window (Chapter 4)."""
    model_sizes, data_sizes = np.unique(table.N), np.unique(table.D)
    largest_window = min(len(model_sizes), len(data_sizes)) - 1
    if smallest_window < 2 or smallest_window > largest_window:
        raise ValueError(
            f"smallest_window={smallest_window} must lie in 2..{largest_window} for a sweep of "
            f"{len(model_sizes)} model sizes and {len(data_sizes)} data sizes"
        )
    forecasts = []
    for k in range(smallest_window, largest_window + 1):
        N_window, D_window = model_sizes[k - 1], data_sizes[k - 1]
        outside = (table.N > N_window) | (table.D > D_window)
        check = forecast(fit_fn, table, outside)
        forecasts.append(
            WindowForecast(
                k=k,
                N_window=float(N_window),
                D_window=float(D_window),
                distance=extrapolation_distance(
                    table.N[outside], table.D[outside], N_window, D_window
                ),
                relative_error=check.relative_error,
            )
        )
    return forecasts


def compute_optimal_exact(
    law: Any,
    flops_per_unit: Callable[[float], float],
    passes: float,
    budgets: Sequence[float],
    N_bounds: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Compute-optimal ``(N, D)`` for each budget, compute counted as the runs spend it (Chapter 4).

    A run of ``N`` parameters on ``D`` distinct units that makes ``passes`` passes costs
    ``C = flops_per_unit(N) * passes * D``. For each budget ``C`` this minimises ``law.predict(N, D)``
    along that curve over ``log N`` in ``N_bounds``:

        D(N) = C / (flops_per_unit(N) * passes),    N_opt = argmin_N L(N, D(N)).

    With ``flops_per_unit(N) = 6 N`` and one pass this is Hoffmann et al.'s ``C = 6 N D``.
    """
    if passes <= 0:
        raise ValueError(f"passes must be positive, got {passes}")
    low, high = (np.log(bound) for bound in N_bounds)
    N_opt, D_opt = [], []
    for budget in budgets:
        if budget <= 0:
            raise ValueError(f"compute budgets must be positive, got {budget}")

        def loss_at(log_N: float, budget: float = budget) -> float:
            N = float(np.exp(log_N))
            return float(law.predict(N, budget / (flops_per_unit(N) * passes)))

        result = minimize_scalar(
            loss_at, bounds=(low, high), method="bounded", options={"xatol": 1e-6}
        )
        N = float(np.exp(result.x))
        N_opt.append(N)
        D_opt.append(budget / (flops_per_unit(N) * passes))
    return np.array(N_opt), np.array(D_opt)
