"""Uncertainty and validation for any fit: the bootstrap and extrapolation checks (Chapter 2, notebook 02c).

**Bootstrap.** Refit on ``n`` resamples of the points, drawn with replacement; the spread of the refitted
parameters estimates their sampling uncertainty without assuming a noise model. The standard error is
the standard deviation of the resampled estimates; the ``(1 - level)`` percentile interval spans their
``level/2`` and ``1 - level/2`` quantiles.

**Extrapolation.** A law is only as good as its predictions beyond the data it saw: fit on the smaller
runs, predict the larger ones, and report the relative error ``(predicted - observed) / observed`` of
each held-out point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from helpers.fit._checks import ConvergenceError


@dataclass(frozen=True)
class BootstrapResult:
    """Resampled parameter estimates of a fit, as :func:`bootstrap` returns them (Chapter 2, notebook 02c).

    Attributes:
        estimate: the parameters fitted on all the data.
        samples: each parameter's ``n_ok`` resampled estimates.
        stderr: each parameter's bootstrap standard error.
        interval: each parameter's percentile interval ``(low, high)`` at ``level``.
        level: the interval's coverage, e.g. 0.95.
        n_failed: resamples whose fit raised (for example, all points at one ``x``).
    """

    estimate: dict[str, float]
    samples: dict[str, np.ndarray]
    stderr: dict[str, float]
    interval: dict[str, tuple[float, float]]
    level: float
    n_failed: int

    def __str__(self) -> str:
        rows = [
            f"{'parameter':>10} {'estimate':>12} {'std. error':>12}   {self.level:.0%} interval"
        ]
        for name, value in self.estimate.items():
            low, high = self.interval[name]
            rows.append(
                f"{name:>10} {value:>12.5g} {self.stderr[name]:>12.3g}   [{low:.5g}, {high:.5g}]"
            )
        n_ok = len(next(iter(self.samples.values())))
        rows.append(f"({n_ok} resamples, {self.n_failed} failed)")
        return "\n".join(rows)


def bootstrap(
    fit_fn: Callable[..., Any],
    *data: ArrayLike,
    n: int = 200,
    seed: int = 0,
    level: float = 0.95,
    **fit_kwargs: Any,
) -> BootstrapResult:
    """Bootstrap the parameters of ``fit_fn(*data, **fit_kwargs)`` (Chapter 2, notebook 02c).

    ``data`` are equal-length arrays (for example ``x, y`` or ``N, D, L``), resampled together by
    row. ``fit_fn`` must return an object with ``.parameters()`` (every fit in :mod:`helpers.fit` does).
    Resamples whose fit raises ``ValueError`` or :class:`ConvergenceError` are counted in ``n_failed``;
    if more than a tenth fail, the bootstrap itself raises.
    """
    arrays = [np.asarray(column) for column in data]
    if not arrays or len({len(column) for column in arrays}) != 1:
        raise ValueError(
            f"pass equal-length data arrays, got lengths {[len(c) for c in arrays]}; give the fit's "
            f"inputs and target, one value of each per point, e.g. bootstrap(fit_power_law, x, y)"
        )
    if n < 2:
        raise ValueError(
            f"n must be at least 2 resamples, got {n}; a few hundred give stable intervals"
        )
    if not 0 < level < 1:
        raise ValueError(
            f"level must lie strictly between 0 and 1, got {level}; pass e.g. 0.95 for 95%"
        )
    estimate = fit_fn(*arrays, **fit_kwargs).parameters()
    rng = np.random.default_rng(seed)
    n_points = len(arrays[0])
    draws: list[dict[str, float]] = []
    failures: list[Exception] = []
    for _ in range(n):
        rows = rng.integers(0, n_points, size=n_points)
        try:
            draws.append(
                fit_fn(
                    *(column[rows] for column in arrays), **fit_kwargs
                ).parameters()
            )
        except (ValueError, ConvergenceError) as error:
            failures.append(error)
    failed = len(failures)
    if failed > n // 10:
        raise ConvergenceError(
            f"{failed} of {n} bootstrap fits failed (the first: {failures[0]}); the fit is unstable on "
            f"these {n_points} points: add points, or spread them over more distinct values"
        )
    samples = {name: np.array([draw[name] for draw in draws]) for name in estimate}
    tail = (1 - level) / 2
    return BootstrapResult(
        estimate=estimate,
        samples=samples,
        stderr={
            name: float(np.std(values, ddof=1)) for name, values in samples.items()
        },
        interval={
            name: (
                float(np.quantile(values, tail)),
                float(np.quantile(values, 1 - tail)),
            )
            for name, values in samples.items()
        },
        level=level,
        n_failed=failed,
    )


@dataclass(frozen=True)
class ExtrapolationCheck:
    """A law fitted on part of the data and its predictions for the held-out rest, as
    :func:`check_extrapolation` returns it (Chapter 2, notebook 02c).

    Attributes:
        law: the fit on the training points.
        observed, predicted: the held-out targets and the law's predictions for them.
        relative_error: ``(predicted - observed) / observed`` per held-out point.
    """

    law: Any
    observed: np.ndarray
    predicted: np.ndarray
    relative_error: np.ndarray

    @property
    def mean_absolute_relative_error(self) -> float:
        """The mean of ``|relative_error|`` over the held-out points (Chapter 2, notebook 02c)."""
        return float(np.mean(np.abs(self.relative_error)))


def check_extrapolation(
    fit_fn: Callable[..., Any],
    *data: ArrayLike,
    held_out: ArrayLike,
    **fit_kwargs: Any,
) -> ExtrapolationCheck:
    """Fit on the rows not in ``held_out`` (a boolean mask), predict the rows in it.

    Chapter 2, notebook 02c ("The real test: extrapolation") explains why; Chapter 1, notebook 01 does
    the same by hand, and Chapter 3, notebook 03b uses it on trained networks.

    ``data`` are the fit's inputs followed by its target, e.g. ``(x, y)`` or ``(N, D, L)``; the law's
    ``predict`` is called with the held-out inputs.
    """
    arrays = [np.asarray(column, dtype=np.float64) for column in data]
    if len(arrays) < 2:
        raise ValueError(
            f"pass the fit's inputs followed by its target, e.g. (x, y) or (N, D, L); got {len(arrays)} "
            f"array(s)"
        )
    mask = np.asarray(held_out, dtype=bool)
    if mask.shape != arrays[0].shape:
        raise ValueError(
            f"held_out must be a boolean mask of shape {arrays[0].shape}, got {mask.shape}; build it from "
            f"the data, e.g. held_out=x > threshold"
        )
    if not mask.any() or mask.all():
        raise ValueError(
            f"held_out must select some points to predict and leave some to fit; it selects "
            f"{int(mask.sum())} of {mask.size}: move its threshold inside the data's range"
        )
    law = fit_fn(*(column[~mask] for column in arrays), **fit_kwargs)
    *inputs, target = (column[mask] for column in arrays)
    predicted = np.asarray(law.predict(*inputs), dtype=np.float64)
    return ExtrapolationCheck(
        law=law,
        observed=target,
        predicted=predicted,
        relative_error=(predicted - target) / target,
    )
