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

Notebooks 04a-04c ask the same questions of three sweeps, through one function each:
:func:`check_runs` (was each run limited by its model and data, or by its schedule?),
:func:`fit_with_intervals` (the law, bootstrap intervals, and ``a = beta / (alpha + beta)``),
:func:`forecast_largest` (the held-out forecast against the seeds' own noise) and :func:`compare_forms`
(functional forms ranked by held-out error).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from helpers.fit import (
    BootstrapResult,
    ExtrapolationCheck,
    bootstrap,
    check_extrapolation,
)
from helpers.results import RunRecord
from helpers.train.recipes import Recipe


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


def planned_steps(row: RunRecord) -> int:
    """The steps a run's recipe planned for it (its stopping rule may have ended it sooner): the
    recipe's ``steps_for`` of its distinct training examples, a window of ``context`` characters
    counting as one example for the transformer (Chapter 4)."""
    recipe = Recipe(**row["recipe"])
    return recipe.steps_for(row["n_train"] // (recipe.context or 1))


def learning_rate_fraction_at_best(row: RunRecord) -> float:
    """The learning rate at a run's best checkpoint as a fraction of its recipe's peak (Chapter 4).

    Near 1, the best checkpoint came early in the cosine schedule (the run over-fitted before the rate
    decayed); near 0.1, the run kept improving until the schedule had annealed."""
    recipe = Recipe(**row["recipe"])
    rate = recipe.learning_rate_at(row["best_val_step"] - 1, planned_steps(row))
    return rate / recipe.learning_rate


@dataclass(frozen=True)
class RunChecks:
    """Whether a sweep's runs measured their model and data rather than their schedule (Chapter 4).

    Attributes:
        improving: runs whose lowest validation loss came at their last checkpoint.
        stopped_early: runs ended by their stopping rule before their planned steps.
        passes_to_best: per run, passes over its distinct data up to its best checkpoint,
            ``best_val_step * units_per_step / n_train``.
        early_stop_above_final: runs whose early-stopped test loss is above the test loss where they ended.
        seed_spread: the median over configurations with several seeds of ``s.d. / mean`` of the loss.
        rate_at_best: per model size, the median :func:`learning_rate_fraction_at_best`.
    """

    improving: list[RunRecord]
    stopped_early: list[RunRecord]
    passes_to_best: np.ndarray
    early_stop_above_final: list[RunRecord]
    seed_spread: float
    rate_at_best: dict[float, float]


def check_runs(
    rows: Sequence[RunRecord], table: JointTable, size: str = "n_params"
) -> RunChecks:
    """:class:`RunChecks` for a sweep's ``rows`` and their :func:`joint_table` (Chapter 4)."""
    several = table.n_seeds > 1
    return RunChecks(
        improving=best_at_last_checkpoint(rows),
        stopped_early=[row for row in rows if row["steps"] < planned_steps(row)],
        passes_to_best=np.array(
            [
                row["best_val_step"] * row["units_per_step"] / row["n_train"]
                for row in rows
            ]
        ),
        early_stop_above_final=[
            row for row in rows if row["early_stopped_test_loss"] > row["test_loss"]
        ],
        seed_spread=(
            float(np.median(table.L_std[several] / table.L[several]))
            if several.any()
            else float("nan")
        ),
        rate_at_best={
            float(n): float(
                np.median(
                    [
                        learning_rate_fraction_at_best(r)
                        for r in rows
                        if r[size] == n
                    ]
                )
            )
            for n in np.unique(table.N)
        },
    )


@dataclass(frozen=True)
class JointFit:
    """A joint law, its bootstrap, and the compute-optimal exponent it implies (Chapter 4).

    Attributes:
        law: ``fit_fn`` on every configuration.
        spread: the bootstrap over configurations (:func:`helpers.fit.bootstrap`).
        a, a_interval: ``a = beta / (alpha + beta)`` (``N_opt ~ C^a`` under ``C = 6ND``), and its
            interval from the same resamples.
        in_sample: per configuration, ``predicted / measured - 1``.
    """

    law: Any
    spread: BootstrapResult
    a: float
    a_interval: tuple[float, float]
    in_sample: np.ndarray


def fit_with_intervals(
    fit_fn: Callable[..., Any],
    table: JointTable,
    n_bootstrap: int,
    level: float = 0.95,
) -> JointFit:
    """Fit ``fit_fn(N, D, L)`` (a form with ``alpha`` and ``beta``, such as ``fit_joint``) to ``table``
    and bootstrap it ``n_bootstrap`` times (Chapter 4)."""
    law = fit_fn(table.N, table.D, table.L)
    spread = bootstrap(
        fit_fn, table.N, table.D, table.L, n=n_bootstrap, level=level
    )
    samples = spread.samples
    a_samples = samples["beta"] / (samples["alpha"] + samples["beta"])
    tail = (1 - level) / 2
    low, high = np.quantile(a_samples, [tail, 1 - tail])
    return JointFit(
        law=law,
        spread=spread,
        a=float(law.beta / (law.alpha + law.beta)),
        a_interval=(float(low), float(high)),
        in_sample=law.predict(table.N, table.D) / table.L - 1,
    )


@dataclass(frozen=True)
class LargestForecast:
    """The forecast of the largest runs from the rest, beside the seeds' own noise (Chapter 4).

    Attributes:
        held_out: the mask of :func:`largest_held_out` over the table.
        check: the fit on the rest and its predictions (:func:`forecast`).
        error: ``|relative error|`` per held-out configuration.
        seed_noise: per held-out configuration, the standard error of its seed mean relative to it,
            ``s.d. / sqrt(seeds) / mean`` (0 with one seed).
        distance: per held-out configuration, decades beyond the largest fitted ``N`` or ``D``.
    """

    held_out: np.ndarray
    check: ExtrapolationCheck
    error: np.ndarray
    seed_noise: np.ndarray
    distance: np.ndarray

    @property
    def worst(self) -> int:
        """The index (among the held-out points) of the largest error."""
        return int(np.argmax(self.error))

    def report(self, table: JointTable) -> str:
        """One line per held-out point: N, D, measured, predicted, error and seed noise."""
        lines = [
            f"{'N':>10}{'D':>10}{'measured':>10}{'predicted':>11}{'error':>8}{'s.e.':>8}"
        ]
        for n, d, observed, predicted, error, noise in zip(
            table.N[self.held_out],
            table.D[self.held_out],
            self.check.observed,
            self.check.predicted,
            self.check.relative_error,
            self.seed_noise,
        ):
            lines.append(
                f"{n:>10,.0f}{d:>10,.0f}{observed:>10.4f}{predicted:>11.4f}"
                f"{error:>+8.1%}{noise:>8.1%}"
            )
        return "\n".join(lines)


def forecast_largest(
    fit_fn: Callable[..., Any], table: JointTable
) -> LargestForecast:
    """Fit ``fit_fn`` on every configuration below the largest model size and data size and forecast
    those at either (Chapter 4)."""
    held_out = largest_held_out(table)
    check = forecast(fit_fn, table, held_out)
    return LargestForecast(
        held_out=held_out,
        check=check,
        error=np.abs(check.relative_error),
        seed_noise=(
            table.L_std[held_out]
            / np.sqrt(table.n_seeds[held_out])
            / table.L[held_out]
        ),
        distance=np.maximum(
            np.log10(table.N[held_out] / table.N[~held_out].max()),
            np.log10(table.D[held_out] / table.D[~held_out].max()),
        ),
    )


@dataclass(frozen=True)
class FormScore:
    """A functional form's in-sample fit and held-out forecast, as mean ``|relative error|``
    (Chapter 4)."""

    in_sample: float
    held_out: float
    held_out_worst: float


def compare_forms(
    forms: dict[str, Callable[..., Any]], table: JointTable, held_out: np.ndarray
) -> dict[str, FormScore]:
    """Each form fitted to every configuration (in-sample) and to all but ``held_out`` (forecast)
    (Chapter 4): a form is judged by what it forecasts, not by what it fits."""
    scores = {}
    for name, fit_fn in forms.items():
        whole = fit_fn(table.N, table.D, table.L)
        errors = np.abs(forecast(fit_fn, table, held_out).relative_error)
        scores[name] = FormScore(
            in_sample=float(
                np.mean(np.abs(whole.predict(table.N, table.D) / table.L - 1))
            ),
            held_out=float(errors.mean()),
            held_out_worst=float(errors.max()),
        )
    return scores
