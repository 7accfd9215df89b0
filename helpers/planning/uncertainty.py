"""How sure a plan is: intervals over bootstrap samples of a fitted law, and the spread across
published laws (Chapter 7, notebook 07a)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from helpers.fit import BootstrapResult, JointLaw
from helpers.planning.plans import JointFormLaw, Plan, compute_optimal_plan


@dataclass(frozen=True)
class PlanInterval:
    """A plan with percentile intervals over bootstrap samples of the law (Chapter 7, notebook 07a).

    Attributes:
        point: the plan from the law fitted on all the data.
        n_params, train_tokens, loss: ``(low, high)`` at ``level`` over the resampled laws' plans.
        level: the intervals' coverage; n_samples: how many resampled laws.
    """

    point: Plan
    n_params: tuple[float, float]
    train_tokens: tuple[float, float]
    loss: tuple[float, float]
    level: float
    n_samples: int


def _joint_law(parameters: Mapping[str, float]) -> JointLaw:
    return JointLaw(
        **{
            name: float(parameters[name])
            for name in ("E", "A", "B", "alpha", "beta")
        }
    )


def bootstrap_plans(
    fit: BootstrapResult,
    compute_flops: float,
    *,
    flops_per_param_token: float = 6.0,
    level: float | None = None,
) -> PlanInterval:
    """The compute-optimal plan of every resampled law in ``fit`` (a :func:`helpers.fit.bootstrap` of
    :func:`helpers.fit.fit_joint`), as percentile intervals on N, D and loss (Chapter 7, notebook 07a).
    ``level`` defaults to the bootstrap's own."""
    level = fit.level if level is None else level
    if not 0 < level < 1:
        raise ValueError(
            f"level must lie strictly between 0 and 1, got {level}; e.g. 0.95"
        )
    missing = {"E", "A", "B", "alpha", "beta"} - set(fit.samples)
    if missing:
        raise ValueError(
            f"the bootstrap has no samples of {sorted(missing)}: bootstrap fit_joint, whose "
            f"parameters are E, A, B, alpha, beta"
        )
    point = compute_optimal_plan(
        _joint_law(fit.estimate),
        compute_flops,
        flops_per_param_token=flops_per_param_token,
    )
    n_samples = len(fit.samples["E"])
    plans = [
        compute_optimal_plan(
            _joint_law({name: values[i] for name, values in fit.samples.items()}),
            compute_flops,
            flops_per_param_token=flops_per_param_token,
        )
        for i in range(n_samples)
    ]
    tail = (1 - level) / 2

    def interval(values: list[float]) -> tuple[float, float]:
        return float(np.quantile(values, tail)), float(
            np.quantile(values, 1 - tail)
        )

    return PlanInterval(
        point=point,
        n_params=interval([plan.n_params for plan in plans]),
        train_tokens=interval([plan.train_tokens for plan in plans]),
        loss=interval([plan.loss for plan in plans]),
        level=level,
        n_samples=n_samples,
    )


def plans_across_laws(
    laws: Mapping[str, JointFormLaw],
    compute_flops: float,
    *,
    flops_per_param_token: float = 6.0,
) -> dict[str, Plan]:
    """The compute-optimal plan of each named law for the same budget (Chapter 7, notebook 07a): the
    spread a planner should expect between, say, the rounded, unrounded and refitted Chinchilla laws.
    """
    if not laws:
        raise ValueError("pass at least one law, as a mapping from name to law")
    return {
        name: compute_optimal_plan(
            law, compute_flops, flops_per_param_token=flops_per_param_token
        )
        for name, law in laws.items()
    }
