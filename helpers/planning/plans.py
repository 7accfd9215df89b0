"""Plans for a law ``L = E + A/N^alpha + B/D^beta``: for a budget, for a target loss, off the
frontier, and with inference paid for (Chapter 7, notebooks 07a and 07c).

Training compute is counted as the law was fitted: ``C = k N D``, ``k = 6`` for the published laws.

**Compute-optimal plan.** Minimising ``L`` on ``k N D = C`` (Hoffmann et al. 2022, section 3.3)::

    N_opt = G (C/k)^(beta/(alpha+beta)),  D_opt = G^-1 (C/k)^(alpha/(alpha+beta)),
    G = (alpha A / (beta B))^(1/(alpha+beta)),

where the two reducible terms stand in the ratio ``alpha A N^-alpha = beta B D^-beta``.

**Cheapest plan for a target loss** ``l > E``: with ``R = l - E`` that same ratio gives::

    A N^-alpha = beta R / (alpha+beta),   B D^-beta = alpha R / (alpha+beta).

**Inference-aware plan** (Sardana et al. 2024): for a target loss and ``D_inf`` tokens served over the
model's life at ``k_inf N`` FLOPs each (``k_inf = 2``, one forward pass), minimise
``k N D + k_inf N D_inf`` on ``L(N, D) = l``. With ``u = A N^-alpha`` and ``D(N) = (B / (R - u))^(1/beta)``
the optimum solves ``k D(N) (alpha u / (beta (R - u)) - 1) = k_inf D_inf``: a smaller model than
the Chinchilla one, trained on more tokens.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from scipy.optimize import brentq

from helpers.planning._checks import check_positive


class JointFormLaw(Protocol):
    """Any law ``L = E + A/N^alpha + B/D^beta``: a fitted :class:`helpers.fit.JointLaw` or a
    published one (Chapter 7)."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float


def _check_law(law: JointFormLaw) -> JointFormLaw:
    missing = [n for n in ("E", "A", "B", "alpha", "beta") if not hasattr(law, n)]
    if missing:
        raise ValueError(
            f"the planner needs a law of the form E + A/N^alpha + B/D^beta, but "
            f"{type(law).__name__} has no {', '.join(missing)} (Kaplan et al.'s laws are "
            f"of another form, in non-embedding parameters); pass a helpers.fit.JointLaw "
            f"or a published law of that form, such as hoffmann-unrounded or besiroglu"
        )
    for name in ("A", "B", "alpha", "beta"):
        check_positive(getattr(law, name), f"the law's {name}", "refit the law")
    return law


def _reducible(law: JointFormLaw, n_params: float, train_tokens: float) -> float:
    return law.A * n_params ** (-law.alpha) + law.B * train_tokens ** (-law.beta)


@dataclass(frozen=True)
class Plan:
    """A model size, a number of training tokens, the law's loss for them and their compute
    (Chapter 7, notebook 07a).

    Attributes:
        n_params: ``N``, parameters, counted as the law counts them.
        train_tokens: ``D``, training tokens (repeats counted).
        loss: the law's prediction ``L(N, D)``.
        compute_flops: ``flops_per_param_token * N * D``.
        flops_per_param_token: the ``k`` of ``C = k N D`` (6 for the published laws).
    """

    n_params: float
    train_tokens: float
    loss: float
    compute_flops: float
    flops_per_param_token: float = 6.0

    @property
    def tokens_per_parameter(self) -> float:
        """``D / N`` (Chapter 7)."""
        return self.train_tokens / self.n_params


def _plan(
    law: JointFormLaw, n_params: float, train_tokens: float, k: float
) -> Plan:
    return Plan(
        n_params=float(n_params),
        train_tokens=float(train_tokens),
        loss=float(law.E + _reducible(law, n_params, train_tokens)),
        compute_flops=float(k * n_params * train_tokens),
        flops_per_param_token=float(k),
    )


def _frontier_scale(law: JointFormLaw) -> float:
    return (law.alpha * law.A / (law.beta * law.B)) ** (
        1.0 / (law.alpha + law.beta)
    )


def compute_optimal_plan(
    law: JointFormLaw, compute_flops: float, *, flops_per_param_token: float = 6.0
) -> Plan:
    """The ``(N, D)`` with the lowest loss for ``compute_flops`` training FLOPs (Chapter 7, notebook
    07a): ``N_opt = G (C/k)^(beta/(alpha+beta))``, ``D_opt = C / (k N_opt)``, ``C = k N D``.
    """
    law = _check_law(law)
    C = check_positive(
        compute_flops, "compute_flops", "pass a training budget in FLOPs"
    )
    k = check_positive(
        flops_per_param_token, "flops_per_param_token", "6 for transformers"
    )
    n_params = _frontier_scale(law) * (C / k) ** (law.beta / (law.alpha + law.beta))
    return _plan(law, n_params, C / (k * n_params), k)


def plan_at_size(
    law: JointFormLaw,
    compute_flops: float,
    n_params: float,
    *,
    flops_per_param_token: float = 6.0,
) -> Plan:
    """The plan that trains a model of ``n_params`` on the whole budget: ``D = C / (k N)``
    (Chapter 7, notebook 07a)."""
    law = _check_law(law)
    C = check_positive(
        compute_flops, "compute_flops", "pass a training budget in FLOPs"
    )
    k = check_positive(
        flops_per_param_token, "flops_per_param_token", "6 for transformers"
    )
    N = check_positive(n_params, "n_params", "pass a model size in parameters")
    return _plan(law, N, C / (k * N), k)


def tokens_for_loss(
    law: JointFormLaw, n_params: float, target_loss: float
) -> float:
    """Training tokens a model of ``n_params`` needs to reach ``target_loss`` (Chapter 7):
    ``D = (B / (l - E - A N^-alpha))^(1/beta)``, or ``inf`` when the model term alone is already at
    or above ``l - E`` (no amount of data is enough)."""
    law = _check_law(law)
    N = check_positive(n_params, "n_params", "pass a model size in parameters")
    headroom = target_loss - law.E - law.A * N ** (-law.alpha)
    return math.inf if headroom <= 0 else (law.B / headroom) ** (1.0 / law.beta)


@dataclass(frozen=True)
class OffFrontier:
    """What choosing ``factor`` times the compute-optimal size costs (Chapter 7, notebook 07a).

    Attributes:
        factor: ``N / N_opt``.
        at_equal_compute: the plan with that ``N`` on the same budget.
        extra_loss: its loss minus the optimal loss (nats).
        extra_compute: the fraction more compute that ``N`` needs to reach the optimal loss
            (``inf`` when it never can).
    """

    factor: float
    at_equal_compute: Plan
    extra_loss: float
    extra_compute: float


def off_frontier_penalties(
    law: JointFormLaw,
    compute_flops: float,
    factors: Iterable[float] = (0.25, 0.5, 2.0, 4.0),
    *,
    flops_per_param_token: float = 6.0,
) -> tuple[OffFrontier, ...]:
    """The flat valley (Chapter 7, notebook 07a): for a model ``factor`` times the compute-optimal
    size, the extra loss at equal compute, and the extra compute needed for equal loss,
    ``k N D(N) / C - 1`` with ``D(N)`` from :func:`tokens_for_loss`."""
    best = compute_optimal_plan(
        law, compute_flops, flops_per_param_token=flops_per_param_token
    )
    k = best.flops_per_param_token
    penalties = []
    for factor in factors:
        factor = check_positive(
            factor, "factor", "pass multiples of N_opt such as 2 or 0.5"
        )
        N = factor * best.n_params
        same_budget = _plan(law, N, best.compute_flops / (k * N), k)
        needed = tokens_for_loss(law, N, best.loss)
        penalties.append(
            OffFrontier(
                factor=factor,
                at_equal_compute=same_budget,
                extra_loss=same_budget.loss - best.loss,
                extra_compute=k * N * needed / best.compute_flops - 1.0,
            )
        )
    return tuple(penalties)


def _check_target(law: JointFormLaw, target_loss: float) -> float:
    if not (isinstance(target_loss, (int, float)) and math.isfinite(target_loss)):
        raise ValueError(
            f"target_loss must be a finite number, got {target_loss!r}"
        )
    if target_loss <= law.E:
        raise ValueError(
            f"target_loss {target_loss:.4g} is at or below the law's irreducible loss "
            f"E = {law.E:.4g}, which no model reaches; choose a target above {law.E:.4g}"
        )
    return float(target_loss)


def cheapest_plan_for_loss(
    law: JointFormLaw, target_loss: float, *, flops_per_param_token: float = 6.0
) -> Plan:
    """The ``(N, D)`` that reaches ``target_loss`` with the fewest training FLOPs (Chapter 7, notebook
    07a). With ``R = l - E``: ``N = (A (alpha+beta) / (beta R))^(1/alpha)``,
    ``D = (B (alpha+beta) / (alpha R))^(1/beta)``.

    Raises ``ValueError`` if ``target_loss <= E``.
    """
    law = _check_law(law)
    target_loss = _check_target(law, target_loss)
    k = check_positive(
        flops_per_param_token, "flops_per_param_token", "6 for transformers"
    )
    reducible, total = target_loss - law.E, law.alpha + law.beta
    N = (law.A * total / (law.beta * reducible)) ** (1.0 / law.alpha)
    D = (law.B * total / (law.alpha * reducible)) ** (1.0 / law.beta)
    return _plan(law, N, D, k)


# --------------------------------------------------------------------------- inference


@dataclass(frozen=True)
class InferencePlan:
    """A plan that pays for training and for serving (Chapter 7, notebook 07c).

    Attributes:
        training: the training plan (its ``compute_flops`` is the training compute).
        inference_tokens: tokens served over the model's life.
        inference_flops: ``flops_per_inference_token * N * inference_tokens``.
        flops_per_inference_token: FLOPs per parameter per served token (2: one forward pass).
    """

    training: Plan
    inference_tokens: float
    inference_flops: float
    flops_per_inference_token: float = 2.0

    @property
    def total_flops(self) -> float:
        """Training plus inference FLOPs (Chapter 7)."""
        return self.training.compute_flops + self.inference_flops


def inference_aware_plan(
    law: JointFormLaw,
    target_loss: float,
    inference_tokens: float,
    *,
    flops_per_param_token: float = 6.0,
    flops_per_inference_token: float = 2.0,
) -> InferencePlan:
    """The model that reaches ``target_loss`` with the least training plus inference compute,
    ``k N D + k_inf N D_inf`` (Sardana et al. 2024; Chapter 7, notebook 07c).

    Solves ``k D(N) (alpha u / (beta (R - u)) - 1) = k_inf D_inf`` for ``N`` between the smallest model
    that can reach the target and the Chinchilla-cheapest one (``u = A N^-alpha``, ``R = l - E``). With
    ``inference_tokens = 0`` this is :func:`cheapest_plan_for_loss`.
    """
    law = _check_law(law)
    cheapest = cheapest_plan_for_loss(
        law, target_loss, flops_per_param_token=flops_per_param_token
    )
    k = cheapest.flops_per_param_token
    k_inf = check_positive(
        flops_per_inference_token,
        "flops_per_inference_token",
        "2 for a forward pass",
    )
    if not (isinstance(inference_tokens, (int, float)) and inference_tokens >= 0):
        raise ValueError(
            f"inference_tokens must be zero or positive, got {inference_tokens!r}; pass the "
            f"tokens you expect to serve over the model's life"
        )
    if inference_tokens == 0:
        return InferencePlan(cheapest, 0.0, 0.0, k_inf)
    reducible = target_loss - law.E
    smallest = (law.A / reducible) ** (
        1.0 / law.alpha
    )  # below it, no data is enough

    def condition(log_n: float) -> float:
        model_term = law.A * math.exp(-law.alpha * log_n)
        tokens = (law.B / (reducible - model_term)) ** (1.0 / law.beta)
        ratio = law.alpha * model_term / (law.beta * (reducible - model_term))
        return k * tokens * (ratio - 1.0) - k_inf * inference_tokens

    log_n = brentq(
        condition,
        math.log(smallest) + 1e-9,
        math.log(cheapest.n_params),
        xtol=1e-13,
        rtol=1e-14,
    )
    N = math.exp(log_n)
    training = _plan(law, N, tokens_for_loss(law, N, target_loss), k)
    return InferencePlan(
        training, float(inference_tokens), k_inf * N * inference_tokens, k_inf
    )


def implied_inference_tokens(
    law: JointFormLaw,
    n_params: float,
    train_tokens: float,
    *,
    flops_per_param_token: float = 6.0,
    flops_per_inference_token: float = 2.0,
) -> float:
    """The lifetime demand (tokens served) for which training ``n_params`` on ``train_tokens`` is the
    inference-aware optimum for its own loss (Chapter 7, notebook 07c).

    From the optimality condition of :func:`inference_aware_plan`,
    ``D_inf = (k / k_inf) D (alpha A N^-alpha / (beta B D^-beta) - 1)``. It is 0 for a model at or
    above the compute-optimal size for its loss: serving only ever favours smaller models.
    """
    law = _check_law(law)
    N = check_positive(n_params, "n_params", "pass a model size in parameters")
    D = check_positive(train_tokens, "train_tokens", "pass the tokens trained on")
    k = check_positive(flops_per_param_token, "flops_per_param_token", "6")
    k_inf = check_positive(
        flops_per_inference_token, "flops_per_inference_token", "2"
    )
    ratio = (
        law.alpha
        * law.A
        * N ** (-law.alpha)
        / (law.beta * law.B * D ** (-law.beta))
    )
    return max(k / k_inf * D * (ratio - 1.0), 0.0)
