"""The compute planner: from a budget to a model size, a data size, a predicted loss and a bill
(Chapter 7, notebooks 07a and 07c).

Every plan is for a law of the joint form ``L(N, D) = E + A/N^alpha + B/D^beta`` (a
:class:`helpers.fit.JointLaw`, or a published law with the same five parameters), with training
compute counted as the law was fitted: ``C = k N D`` FLOPs, ``k = 6`` for the published laws
(``flops_per_param_token``; pass the family's own count for a law fitted to exact FLOPs).

    training_budget(gpu, n_gpus, hours, mfu=..., price_per_gpu_hour=...)   hardware -> FLOPs, money
                                           (the default MFU is a share of the BF16 peak)
    compute_optimal_plan(law, C)           the (N, D) with the lowest loss for C FLOPs
    off_frontier_penalties(law, C)         the flat valley: 2x or 4x off N_opt, in loss and in FLOPs
    cheapest_plan_for_loss(law, target)    the fewest FLOPs that reach a loss (target > E)
    inference_aware_plan(law, target, D_inf)   training + serving compute (Sardana et al. 2024)
    implied_inference_tokens(law, N, D)    the demand for which (N, D) is that optimum
    bootstrap_plans(fit, C), plans_across_laws(laws, C)   how sure the plan is
    cheapest_priced_plan(law, target, ...)     when data has a price
    data_constrained_plan(law, C, unique_tokens)   when data runs out (Muennighoff et al. 2023)
    plan_budget(law, budget, ...)          all of it for one budget, as ``scaling-book plan`` prints

Modules: :mod:`~helpers.planning.hardware`, :mod:`~helpers.planning.plans`,
:mod:`~helpers.planning.uncertainty`, :mod:`~helpers.planning.data`, :mod:`~helpers.planning.report`.
"""

from helpers.planning.data import (
    MUENNIGHOFF_R_D_STAR,
    MUENNIGHOFF_R_N_STAR,
    PricedPlan,
    RepeatedDataPlan,
    cheapest_priced_plan,
    data_constrained_loss,
    data_constrained_plan,
    effective_data,
)
from helpers.planning.hardware import (
    ACCELERATORS,
    DEFAULT_MFU,
    DEFAULT_MFU_PRECISIONS,
    Accelerator,
    Budget,
    get_accelerator,
    training_budget,
)
from helpers.planning.plans import (
    InferencePlan,
    JointFormLaw,
    OffFrontier,
    Plan,
    cheapest_plan_for_loss,
    compute_optimal_plan,
    implied_inference_tokens,
    inference_aware_plan,
    off_frontier_penalties,
    plan_at_size,
    tokens_for_loss,
)
from helpers.planning.report import BudgetPlan, plan_budget
from helpers.planning.uncertainty import (
    PlanInterval,
    bootstrap_plans,
    plans_across_laws,
)

__all__ = [
    "ACCELERATORS",
    "DEFAULT_MFU",
    "DEFAULT_MFU_PRECISIONS",
    "MUENNIGHOFF_R_D_STAR",
    "MUENNIGHOFF_R_N_STAR",
    "Accelerator",
    "Budget",
    "BudgetPlan",
    "InferencePlan",
    "JointFormLaw",
    "OffFrontier",
    "Plan",
    "PlanInterval",
    "PricedPlan",
    "RepeatedDataPlan",
    "bootstrap_plans",
    "cheapest_plan_for_loss",
    "cheapest_priced_plan",
    "compute_optimal_plan",
    "data_constrained_loss",
    "data_constrained_plan",
    "effective_data",
    "get_accelerator",
    "implied_inference_tokens",
    "inference_aware_plan",
    "off_frontier_penalties",
    "plan_at_size",
    "plan_budget",
    "plans_across_laws",
    "tokens_for_loss",
    "training_budget",
]
