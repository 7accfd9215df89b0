"""The whole plan for a budget, as ``scaling-book plan`` prints it (Chapter 7, notebook 07a)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from helpers.planning.hardware import Budget, get_accelerator
from helpers.planning.plans import (
    InferencePlan,
    JointFormLaw,
    OffFrontier,
    Plan,
    compute_optimal_plan,
    inference_aware_plan,
    off_frontier_penalties,
)
from helpers.planning.uncertainty import plans_across_laws


@dataclass(frozen=True)
class BudgetPlan:
    """Everything ``scaling-book plan`` prints (Chapter 7, notebook 07a).

    Attributes:
        law_name, budget: the law used and the budget planned for.
        optimal: the compute-optimal plan; penalties: :func:`off_frontier_penalties` at 1/4, 1/2,
            2 and 4 times its size.
        inference: the inference-aware plan for the optimal plan's loss, if inference tokens were given.
        other_laws: the compute-optimal plans of other laws for the same budget, by name: the
            spread between laws that a planner should expect.
    """

    law_name: str
    budget: Budget
    optimal: Plan
    penalties: tuple[OffFrontier, ...]
    inference: InferencePlan | None = None
    other_laws: Mapping[str, Plan] = field(default_factory=dict)

    @property
    def total_flops_of_optimal(self) -> float | None:
        """Training plus inference FLOPs if the compute-optimal model served the same tokens
        (Chapter 7); ``None`` without inference tokens."""
        if self.inference is None:
            return None
        serving = self.inference.flops_per_inference_token * self.optimal.n_params
        return (
            self.optimal.compute_flops + serving * self.inference.inference_tokens
        )

    @property
    def lifetime_saving(self) -> float | None:
        """The share of the compute-optimal model's lifetime FLOPs (its training plus serving the
        same tokens) that the inference-aware plan saves, ``1 - total / total_of_optimal`` (Chapter
        7; notebook 07c uses the same convention); ``None`` without inference tokens."""
        if self.inference is None:
            return None
        return 1.0 - self.inference.total_flops / self.total_flops_of_optimal

    @property
    def inference_training_hours(self) -> float | None:
        """Wall-clock hours the budget's GPUs take to train the inference-aware plan, at the same
        peak and MFU (Chapter 7); ``None`` without inference tokens."""
        if self.inference is None:
            return None
        flops = self.inference.training.compute_flops
        return self.budget.gpu_hours_for(flops) / self.budget.n_gpus

    @property
    def inference_training_cost(self) -> float | None:
        """The bill for training the inference-aware plan at the budget's price (Chapter 7);
        ``None`` without inference tokens or without a price."""
        if self.inference is None or self.budget.price_per_gpu_hour is None:
            return None
        flops = self.inference.training.compute_flops
        return self.budget.gpu_hours_for(flops) * self.budget.price_per_gpu_hour

    def as_dict(self) -> dict:
        """The report as plain data, for ``--json`` (Chapter 7)."""
        optimal = asdict(self.optimal)
        optimal["tokens_per_parameter"] = self.optimal.tokens_per_parameter
        report = {
            "law": self.law_name,
            "budget": asdict(self.budget),
            "optimal": optimal,
            "off_frontier": [
                {
                    "factor": p.factor,
                    "n_params": p.at_equal_compute.n_params,
                    "train_tokens": p.at_equal_compute.train_tokens,
                    "extra_loss": p.extra_loss,
                    # JSON has no infinity: None where no amount of data reaches the loss
                    "extra_compute": None
                    if math.isinf(p.extra_compute)
                    else p.extra_compute,
                }
                for p in self.penalties
            ],
            "inference_aware": None,
            "other_laws": {
                name: {
                    **asdict(plan),
                    "tokens_per_parameter": plan.tokens_per_parameter,
                }
                for name, plan in self.other_laws.items()
            },
        }
        if self.inference is not None:
            report["inference_aware"] = {
                **asdict(self.inference.training),
                "tokens_per_parameter": self.inference.training.tokens_per_parameter,
                "inference_tokens": self.inference.inference_tokens,
                "inference_flops": self.inference.inference_flops,
                "total_flops": self.inference.total_flops,
                "total_flops_of_optimal": self.total_flops_of_optimal,
                "lifetime_saving": self.lifetime_saving,
                "training_hours": self.inference_training_hours,
                "training_cost": self.inference_training_cost,
            }
        return report

    def __str__(self) -> str:
        b, o = self.budget, self.optimal
        lines = [
            (
                f"budget: {b.n_gpus} x {get_accelerator(b.accelerator).name} "
                f"({b.precision}, dense peak "
                f"{b.peak_flops / 1e12:.1f} TFLOP/s) for {b.hours:,.0f} h, MFU {b.mfu:.0%}"
            ),
            f"        = {b.gpu_hours:,.0f} GPU-hours = {b.flops:.3g} FLOPs",
        ]
        if b.cost is not None:
            lines.append(
                f"  bill: {b.gpu_hours:,.0f} GPU-hours x {b.price_per_gpu_hour:g} "
                f"per GPU-hour = {b.cost:,.0f}"
            )
        lines.append(f"law: {self.law_name} (C = {o.flops_per_param_token:g} N D)")
        lines.append(
            f"compute-optimal: N = {o.n_params:.3g} parameters, D = "
            f"{o.train_tokens:.3g} tokens ({o.tokens_per_parameter:.1f} per "
            f"parameter), loss {o.loss:.4f}"
        )
        lines.append(
            "off the frontier (loss at this budget; compute for the optimal loss):"
        )
        for p in self.penalties:
            more = p.extra_compute
            more = "never" if math.isinf(more) else f"{more:+.1%}"
            lines.append(
                f"  {p.factor:g} x N_opt = {p.at_equal_compute.n_params:.3g}: "
                f"loss {p.extra_loss:+.4f}, compute {more}"
            )
        if self.other_laws:
            lines.append("the same budget under other laws:")
        for name, plan in self.other_laws.items():
            lines.append(
                f"  {name}: N = {plan.n_params:.3g}, D = {plan.train_tokens:.3g} "
                f"({plan.tokens_per_parameter:.1f} per parameter)"
            )
        if self.inference is not None:
            i, t = self.inference, self.inference.training
            lines.append(
                f"serving {i.inference_tokens:.3g} tokens "
                f"({i.flops_per_inference_token:g} N FLOPs each) at loss {o.loss:.4f}:"
            )
            lines.append(
                f"  inference-aware: N = {t.n_params:.3g}, D = {t.train_tokens:.3g} "
                f"({t.tokens_per_parameter:.1f} per parameter)"
            )
            over = t.compute_flops / b.flops - 1
            lines.append(
                f"    its training: {t.compute_flops:.3g} FLOPs ({over:+.1%} against "
                f"the budget's {b.flops:.3g}),"
            )
            days = f"{self.inference_training_hours / 24:.1f} days"
            if self.inference_training_cost is not None:
                days += f", bill {self.inference_training_cost:,.0f}"
            budget_days = f"{b.hours / 24:.1f} days"
            if b.cost is not None:
                budget_days += f", {b.cost:,.0f}"
            lines.append(f"    {days} on these GPUs (the budget: {budget_days})")
            lines.append(
                f"  lifetime FLOPs (training + serving): {i.total_flops:.3g}; "
                f"compute-optimal model: {self.total_flops_of_optimal:.3g}"
            )
            lines.append(
                f"  saving: {self.lifetime_saving:.1%} of the compute-optimal model's "
                "lifetime FLOPs"
            )
        return "\n".join(lines)


def plan_budget(
    law: JointFormLaw,
    budget: Budget,
    *,
    law_name: str = "law",
    inference_tokens: float | None = None,
    flops_per_param_token: float = 6.0,
    other_laws: Mapping[str, JointFormLaw] | None = None,
) -> BudgetPlan:
    """The compute-optimal plan for ``budget``, its flat valley, given ``inference_tokens`` the
    inference-aware plan for the same loss, and given ``other_laws`` their plans for the same budget
    (Chapter 7, notebook 07a; ``scaling-book plan``)."""
    optimal = compute_optimal_plan(
        law, budget.flops, flops_per_param_token=flops_per_param_token
    )
    penalties = off_frontier_penalties(
        law, budget.flops, flops_per_param_token=flops_per_param_token
    )
    inference = None
    if inference_tokens is not None:
        inference = inference_aware_plan(
            law,
            optimal.loss,
            inference_tokens,
            flops_per_param_token=flops_per_param_token,
        )
    others = {}
    if other_laws:
        others = plans_across_laws(
            other_laws, budget.flops, flops_per_param_token=flops_per_param_token
        )
    return BudgetPlan(law_name, budget, optimal, penalties, inference, others)
