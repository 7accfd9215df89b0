"""Data that costs money, and data that runs out (Chapter 7, notebook 07a).

**Priced data.** With a price per FLOP ``p_c`` and per token ``p_d``, reach a target loss for the least
``p_c k N D + p_d D``: a larger model on fewer tokens than the FLOP-cheapest plan.

**Repeated data** (Muennighoff et al. 2023): ``D`` tokens drawn from ``U_D`` unique ones are worth the
effective data ``D' = U_D + U_D R*_D (1 - exp(-R_D / R*_D))`` with ``R_D = D/U_D - 1`` repetitions,
and parameters beyond the compute-optimal size for ``U_D`` are discounted the same way with ``R*_N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from helpers.planning._checks import check_positive
from helpers.planning.plans import (
    JointFormLaw,
    Plan,
    _check_law,
    _frontier_scale,
    _plan,
    cheapest_plan_for_loss,
    compute_optimal_plan,
    tokens_for_loss,
)

MUENNIGHOFF_R_D_STAR = 15.387756
"""``R*_D``, the repetitions over which repeated data loses its value, fitted by Muennighoff et al.
(2023; ``rd_star`` in the ``huggingface/datablations`` README) (Chapter 7)."""

MUENNIGHOFF_R_N_STAR = 5.309743
"""``R*_N``, the same for parameters beyond the compute-optimal size for the unique data
(``rn_star`` in the same README) (Chapter 7)."""


@dataclass(frozen=True)
class PricedPlan:
    """A plan that reaches a target loss for the least money (Chapter 7, notebook 07a).

    Attributes:
        plan: the ``(N, D)`` chosen.
        compute_cost: ``price_per_flop * k N D``; data_cost: ``price_per_token * D``.
    """

    plan: Plan
    compute_cost: float
    data_cost: float

    @property
    def total_cost(self) -> float:
        """Compute plus data (Chapter 7)."""
        return self.compute_cost + self.data_cost


def cheapest_priced_plan(
    law: JointFormLaw,
    target_loss: float,
    *,
    price_per_flop: float,
    price_per_token: float,
    flops_per_param_token: float = 6.0,
) -> PricedPlan:
    """The ``(N, D)`` that reaches ``target_loss`` for the least ``price_per_flop k N D +
    price_per_token D`` (Chapter 7, notebook 07a). Data with a price pushes the plan to a larger model
    trained on fewer tokens. The optimum solves
    ``alpha u / (beta (R - u)) = p_c k N / (p_c k N + p_d)``; a zero ``price_per_token`` gives
    :func:`cheapest_plan_for_loss`.
    """
    cheapest = cheapest_plan_for_loss(
        law, target_loss, flops_per_param_token=flops_per_param_token
    )
    k = cheapest.flops_per_param_token
    p_c = check_positive(
        price_per_flop, "price_per_flop", "e.g. Budget.price_per_flop"
    )
    if not (isinstance(price_per_token, (int, float)) and price_per_token >= 0):
        raise ValueError(
            f"price_per_token must be zero or positive, got {price_per_token!r}; pass what one "
            f"training token costs to obtain"
        )
    plan = cheapest
    if price_per_token > 0:
        reducible = target_loss - law.E

        def condition(log_n: float) -> float:
            model_term = law.A * math.exp(-law.alpha * log_n)
            compute_share = p_c * k * math.exp(log_n)
            compute_share /= compute_share + price_per_token
            return law.alpha * model_term / (
                law.beta * (reducible - model_term)
            ) - (compute_share)

        upper = math.log(cheapest.n_params)
        while condition(upper) > 0:
            upper += math.log(10.0)
        log_n = brentq(
            condition, math.log(cheapest.n_params), upper, xtol=1e-13, rtol=1e-14
        )
        N = math.exp(log_n)
        plan = _plan(law, N, tokens_for_loss(law, N, target_loss), k)
    return PricedPlan(
        plan=plan,
        compute_cost=p_c * plan.compute_flops,
        data_cost=price_per_token * plan.train_tokens,
    )


def effective_data(
    unique_tokens: float, train_tokens: float, r_star: float = MUENNIGHOFF_R_D_STAR
) -> float:
    """``U + U R* (1 - exp(-R/R*))`` with ``R = D/U - 1`` repetitions: what ``train_tokens`` drawn from
    ``unique_tokens`` are worth (Muennighoff et al. 2023; Chapter 7). ``D <= U`` is worth ``D``."""
    U = check_positive(
        unique_tokens, "unique_tokens", "pass the distinct tokens you have"
    )
    D = check_positive(train_tokens, "train_tokens", "pass the tokens trained on")
    if D <= U:
        return D
    repetitions = D / U - 1.0
    return U + U * r_star * (1.0 - math.exp(-repetitions / r_star))


def data_constrained_loss(
    law: JointFormLaw,
    n_params: float,
    train_tokens: float,
    unique_tokens: float,
    *,
    r_d_star: float = MUENNIGHOFF_R_D_STAR,
    r_n_star: float = MUENNIGHOFF_R_N_STAR,
) -> float:
    """The law's loss when ``train_tokens`` repeat ``unique_tokens`` (Muennighoff et al. 2023, as in
    their ``datablations`` code; Chapter 7): ``D`` becomes :func:`effective_data`, and parameters
    beyond ``U_N``, the compute-optimal size for ``unique_tokens``, count as effective parameters
    ``U_N + U_N R*_N (1 - exp(-R_N/R*_N))`` with ``R_N = N/U_N - 1``.

    Muennighoff et al. fitted ``R*_D`` and ``R*_N`` with their own ``E, A, B``; applying them to another
    law is an assumption.
    """
    law = _check_law(law)
    N = check_positive(n_params, "n_params", "pass a model size in parameters")
    data = effective_data(unique_tokens, train_tokens, r_d_star)
    G = _frontier_scale(law)
    useful_n = min(N, G * (unique_tokens * G) ** (law.beta / law.alpha))
    params = useful_n + useful_n * r_n_star * (
        1.0 - math.exp(-(N / useful_n - 1.0) / r_n_star)
    )
    return float(
        law.E + law.A * params ** (-law.alpha) + law.B * data ** (-law.beta)
    )


@dataclass(frozen=True)
class RepeatedDataPlan:
    """The best plan for a budget when only ``unique_tokens`` exist (Chapter 7, notebook 07a).

    Attributes:
        plan: ``(N, D)`` with ``loss`` the data-constrained loss; unique_tokens: the data available.
        unconstrained: the compute-optimal plan if data were unlimited.
    """

    plan: Plan
    unique_tokens: float
    unconstrained: Plan

    @property
    def epochs(self) -> float:
        """``D / U``: passes over the unique data (Chapter 7)."""
        return self.plan.train_tokens / self.unique_tokens


def data_constrained_plan(
    law: JointFormLaw,
    compute_flops: float,
    unique_tokens: float,
    *,
    flops_per_param_token: float = 6.0,
    r_d_star: float = MUENNIGHOFF_R_D_STAR,
    r_n_star: float = MUENNIGHOFF_R_N_STAR,
) -> RepeatedDataPlan:
    """The ``(N, D = C/(kN))`` with the lowest :func:`data_constrained_loss` when only
    ``unique_tokens`` exist (Chapter 7, notebook 07a). A grid over ``log N`` (a factor of 10^4 either
    side of the unconstrained optimum) finds the valley, Brent's method its floor."""
    free = compute_optimal_plan(
        law, compute_flops, flops_per_param_token=flops_per_param_token
    )
    U = check_positive(
        unique_tokens, "unique_tokens", "pass the distinct tokens you have"
    )
    k, C = free.flops_per_param_token, free.compute_flops

    def loss(log_n: float) -> float:
        N = math.exp(log_n)
        return data_constrained_loss(
            law, N, C / (k * N), U, r_d_star=r_d_star, r_n_star=r_n_star
        )

    grid = np.linspace(
        math.log(free.n_params) - 9.2, math.log(free.n_params) + 9.2, 2001
    )
    best = int(np.argmin([loss(x) for x in grid]))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    found = minimize_scalar(
        loss, bounds=(low, high), method="bounded", options={"xatol": 1e-10}
    )
    N = math.exp(found.x)
    plan = Plan(N, C / (k * N), float(found.fun), C, k)
    return RepeatedDataPlan(plan=plan, unique_tokens=U, unconstrained=free)
