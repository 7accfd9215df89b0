"""The compute planner: plans against closed forms, brute-force searches and numerical minimisation,
the hardware arithmetic, and ``scaling-book plan``."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar

from helpers.cli import main
from helpers.fit import JointLaw, bootstrap, fit_joint, fit_power_law
from helpers.fit.synthetic import HOFFMANN_2022, isoflop_design, sample_losses
from helpers.planning import (
    ACCELERATORS,
    DEFAULT_MFU,
    MUENNIGHOFF_R_D_STAR,
    bootstrap_plans,
    cheapest_plan_for_loss,
    cheapest_priced_plan,
    compute_optimal_plan,
    data_constrained_loss,
    data_constrained_plan,
    effective_data,
    implied_inference_tokens,
    inference_aware_plan,
    off_frontier_penalties,
    plan_at_size,
    plan_budget,
    plans_across_laws,
    tokens_for_loss,
    training_budget,
)
from helpers.published import LAWS

LAW = HOFFMANN_2022  # E=1.6934, A=406.4, B=410.7, alpha=0.3392, beta=0.2849
CHINCHILLA_FLOPS = 6 * 70e9 * 1.4e12

# Muennighoff et al.'s fit, from the log-space values in the huggingface/datablations README
MUENNIGHOFF = JointLaw(
    E=math.exp(0.6254804),
    A=math.exp(6.255414),
    B=math.exp(7.3049974),
    alpha=0.3526596,
    beta=0.3526596,
)


def grid_minimum(objective, low: float, high: float, points: int = 200_001):
    """The minimiser of ``objective`` over a fine log grid of ``[low, high]``."""
    grid = np.geomspace(low, high, points)
    values = objective(grid)
    return grid[int(np.argmin(values))]


# ----------------------------------------------------------------- hardware


def test_a_budget_is_gpus_times_hours_times_dense_peak_times_mfu():
    budget = training_budget("H100", 64, 14 * 24, price_per_gpu_hour=2.5)
    assert (
        budget.peak_flops == 989.5e12
    )  # half the datasheet's 1,979 "with sparsity"
    assert budget.mfu == DEFAULT_MFU == 0.40
    assert budget.gpu_hours == 64 * 336
    assert budget.flops == pytest.approx(64 * 336 * 3600 * 989.5e12 * 0.40)
    assert budget.cost == pytest.approx(64 * 336 * 2.5)
    assert budget.price_per_flop * budget.flops == pytest.approx(budget.cost)
    assert budget.gpu_hours_for(budget.flops) == pytest.approx(budget.gpu_hours)
    a100 = training_budget("A100", 8, 10, precision="tf32", mfu=0.5)
    assert a100.flops == pytest.approx(8 * 10 * 3600 * 156e12 * 0.5)
    assert a100.cost is None and a100.price_per_flop is None


def test_every_accelerator_cites_its_datasheet_and_lists_dense_figures():
    for accelerator in ACCELERATORS.values():
        assert (
            "datasheet" in accelerator.source and "nvidia.com" in accelerator.source
        )
        assert all(0 < peak < 5e15 for peak in accelerator.peak_flops.values())
    # the dense/sparse convention: the A100's 312 is dense; the H100's 1,979 is sparse
    assert ACCELERATORS["A100"].peak_flops["bf16"] == 312e12
    assert (
        ACCELERATORS["H100"].peak_flops["fp8"]
        == 2 * ACCELERATORS["H100"].peak_flops["bf16"]
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ("H200", 8, 10),
            r"unknown accelerator 'H200': choose one of V100, A100, H100",
        ),
        (
            ("A100", 8, 10, "fp8"),
            r"unknown precision 'fp8': choose one of bf16, fp16, tf32",
        ),
        (
            ("A100", 0, 10),
            r"n_gpus must be a whole number of GPUs, at least 1; got 0",
        ),
        (("A100", 2.5, 10), r"got 2.5"),
        (("A100", 8, 0), r"hours must be a positive finite number, got 0"),
        (("A100", 8, -3.0), r"got -3.0"),
        (("A100", 8, float("inf")), r"got inf"),
    ],
)
def test_bad_budgets_are_refused_with_what_is_allowed(arguments, message):
    gpu, n_gpus, hours, *precision = arguments
    with pytest.raises(ValueError, match=message):
        training_budget(
            gpu, n_gpus, hours, precision=precision[0] if precision else "bf16"
        )


def test_each_accelerator_has_its_own_default_precision():
    assert training_budget("V100", 8, 10).precision == "fp16"  # no BF16 on a V100
    assert training_budget("A100", 8, 10).precision == "bf16"
    assert training_budget("H100", 8, 10).precision == "bf16"


@pytest.mark.parametrize("gpu, precision", [("H100", "fp8"), ("A100", "tf32")])
def test_the_default_mfu_is_only_for_bf16_and_fp16(gpu, precision):
    with pytest.raises(
        ValueError, match=rf"mfu must be given at precision '{precision}'"
    ):
        training_budget(gpu, 8, 10, precision=precision)
    assert training_budget(gpu, 8, 10, precision=precision, mfu=0.3).mfu == 0.3
    assert training_budget(gpu, 8, 10, precision="fp16").mfu == DEFAULT_MFU


@pytest.mark.parametrize("mfu", [0, -0.1, 1.5])
def test_mfu_must_be_a_fraction(mfu):
    with pytest.raises(ValueError, match=rf"mfu must lie in \(0, 1\], got {mfu}"):
        training_budget("H100", 8, 10, mfu=mfu)


def test_a_price_must_be_positive():
    with pytest.raises(ValueError, match="price_per_gpu_hour must be a positive"):
        training_budget("H100", 8, 10, price_per_gpu_hour=0)


# ----------------------------------------------------------------- compute-optimal plans


def test_the_compute_optimal_plan_is_the_closed_form_and_the_grid_minimum():
    plan = compute_optimal_plan(LAW, CHINCHILLA_FLOPS)
    N_closed, D_closed = LAW.compute_optimal(CHINCHILLA_FLOPS)
    assert plan.n_params == pytest.approx(N_closed, rel=1e-12)
    assert plan.train_tokens == pytest.approx(D_closed, rel=1e-12)
    assert plan.compute_flops == pytest.approx(CHINCHILLA_FLOPS, rel=1e-12)
    assert plan.loss == pytest.approx(LAW.predict(N_closed, D_closed), rel=1e-12)
    best = grid_minimum(
        lambda N: LAW.predict(N, CHINCHILLA_FLOPS / (6 * N)), 1e8, 1e13
    )
    assert plan.n_params == pytest.approx(best, rel=1e-3)


def test_the_published_allocations_at_chinchillas_budget():
    """facts.md, Besiroglu [C]: N ~ 40.7B (59 tokens/param) unrounded, 32.5B (93) rounded, 73B (18)
    for the refit."""
    plans = plans_across_laws(
        {
            name: LAWS[name]
            for name in ("hoffmann-unrounded", "hoffmann-rounded", "besiroglu")
        },
        CHINCHILLA_FLOPS,
    )
    expected = {
        "hoffmann-unrounded": (40.7e9, 59),
        "hoffmann-rounded": (32.5e9, 93),
        "besiroglu": (73e9, 18),
    }
    for name, (n_params, tokens_per_param) in expected.items():
        assert plans[name].n_params == pytest.approx(n_params, rel=0.01)
        assert plans[name].tokens_per_parameter == pytest.approx(
            tokens_per_param, rel=0.03
        )


def test_a_law_fitted_to_other_flop_counts_is_planned_with_its_own_k():
    k = 7.3
    plan = compute_optimal_plan(LAW, 1e21, flops_per_param_token=k)
    best = grid_minimum(lambda N: LAW.predict(N, 1e21 / (k * N)), 1e6, 1e12)
    assert plan.n_params == pytest.approx(best, rel=1e-3)
    assert k * plan.n_params * plan.train_tokens == pytest.approx(1e21)
    assert plan.n_params != pytest.approx(compute_optimal_plan(LAW, 1e21).n_params)


def test_kaplans_law_is_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"KaplanLaw has no E, A, B, alpha, beta"):
        compute_optimal_plan(LAWS["kaplan"], 1e21)


@pytest.mark.parametrize("budget", [0, -1e20, float("nan")])
def test_a_budget_must_be_positive(budget):
    with pytest.raises(
        ValueError, match="compute_flops must be a positive finite number"
    ):
        compute_optimal_plan(LAW, budget)


def test_off_the_frontier_costs_loss_at_equal_compute_and_compute_at_equal_loss():
    best = compute_optimal_plan(LAW, CHINCHILLA_FLOPS)
    penalties = off_frontier_penalties(
        LAW, CHINCHILLA_FLOPS, factors=(0.5, 1.0, 2.0, 4.0)
    )
    for penalty in penalties:
        N = penalty.factor * best.n_params
        same_budget = plan_at_size(LAW, CHINCHILLA_FLOPS, N)
        assert penalty.extra_loss == pytest.approx(
            same_budget.loss - best.loss, abs=1e-12
        )
        # equal loss, found by bisection on D rather than by the closed form
        tokens = math.exp(
            brentq(
                lambda log_d, N=N: LAW.predict(N, math.exp(log_d)) - best.loss,
                1,
                80,
            )
        )
        assert penalty.extra_compute == pytest.approx(
            6 * N * tokens / CHINCHILLA_FLOPS - 1, abs=1e-8
        )
    by_factor = {p.factor: p for p in penalties}
    assert by_factor[1.0].extra_loss == pytest.approx(0, abs=1e-12)
    assert by_factor[1.0].extra_compute == pytest.approx(0, abs=1e-9)
    assert 0 < by_factor[2.0].extra_loss < by_factor[4.0].extra_loss
    assert 0 < by_factor[2.0].extra_compute < by_factor[4.0].extra_compute


def test_a_model_too_small_for_the_loss_never_reaches_it():
    best = compute_optimal_plan(LAW, CHINCHILLA_FLOPS)
    (tiny,) = off_frontier_penalties(LAW, CHINCHILLA_FLOPS, factors=(1e-4,))
    assert tiny.extra_compute == math.inf
    assert tokens_for_loss(LAW, 1e-4 * best.n_params, best.loss) == math.inf


# ----------------------------------------------------------------- a target loss


def test_the_cheapest_plan_for_a_loss_reaches_it_and_beats_a_grid_search():
    target = 2.0
    plan = cheapest_plan_for_loss(LAW, target)
    assert plan.loss == pytest.approx(target, rel=1e-12)

    def flops(N):
        headroom = target - LAW.E - LAW.A * N ** (-LAW.alpha)
        with np.errstate(divide="ignore", invalid="ignore"):
            D = np.where(headroom > 0, (LAW.B / headroom) ** (1 / LAW.beta), np.inf)
        return 6 * N * D

    best = grid_minimum(flops, 1e8, 1e13)
    assert plan.n_params == pytest.approx(best, rel=1e-3)
    assert plan.compute_flops <= flops(np.array([best]))[0] * (1 + 1e-9)


def test_the_cheapest_plan_for_the_optimal_loss_is_the_optimal_plan():
    optimal = compute_optimal_plan(LAW, 1e22)
    cheapest = cheapest_plan_for_loss(LAW, optimal.loss)
    assert cheapest.n_params == pytest.approx(optimal.n_params, rel=1e-9)
    assert cheapest.compute_flops == pytest.approx(1e22, rel=1e-9)


@pytest.mark.parametrize("target", [1.6934, 1.5])
def test_a_target_at_or_below_the_irreducible_loss_is_refused_naming_e(target):
    with pytest.raises(
        ValueError, match=r"irreducible loss E = 1.693.*above 1.693"
    ):
        cheapest_plan_for_loss(LAW, target)


# ----------------------------------------------------------------- inference


def test_the_inference_aware_optimum_is_the_numerical_minimum():
    target, served = 2.0, 2e13
    plan = inference_aware_plan(LAW, target, served)

    def total(log_n: float) -> float:
        N = math.exp(log_n)
        return 6 * N * tokens_for_loss(LAW, N, target) + 2 * N * served

    smallest = (LAW.A / (target - LAW.E)) ** (1 / LAW.alpha)
    found = minimize_scalar(
        total,
        bounds=(math.log(smallest) + 1e-6, math.log(smallest) + 12),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert plan.training.n_params == pytest.approx(math.exp(found.x), rel=1e-5)
    assert plan.total_flops == pytest.approx(found.fun, rel=1e-9)
    assert plan.training.loss == pytest.approx(target, rel=1e-12)
    assert plan.inference_flops == pytest.approx(
        2 * plan.training.n_params * served
    )


def test_with_more_demand_the_model_shrinks_and_trains_on_more_tokens_per_parameter():
    demand = [0.0, 1e11, 1e12, 1e13, 1e14]
    plans = [inference_aware_plan(LAW, 2.0, served) for served in demand]
    assert plans[0].training == cheapest_plan_for_loss(LAW, 2.0)
    sizes = [plan.training.n_params for plan in plans]
    ratios = [plan.training.tokens_per_parameter for plan in plans]
    assert all(a > b for a, b in pairwise(sizes))
    assert all(a < b for a, b in pairwise(ratios))
    chinchilla = plans[0].training
    for plan, served in zip(plans[1:], demand[1:]):
        assert (
            plan.total_flops
            < chinchilla.compute_flops + 2 * chinchilla.n_params * served
        )


def test_the_implied_demand_inverts_the_inference_aware_plan():
    for served in (1e11, 1e13, 1e15):
        plan = inference_aware_plan(LAW, 2.0, served).training
        implied = implied_inference_tokens(LAW, plan.n_params, plan.train_tokens)
        assert implied == pytest.approx(served, rel=1e-6)
    optimal = compute_optimal_plan(LAW, 1e22)
    assert implied_inference_tokens(
        LAW, optimal.n_params, optimal.train_tokens
    ) == (pytest.approx(0, abs=1e-3 * optimal.train_tokens))
    assert (
        implied_inference_tokens(LAW, 4 * optimal.n_params, optimal.train_tokens)
        == 0
    )


def test_negative_demand_is_refused():
    with pytest.raises(
        ValueError, match="inference_tokens must be zero or positive, got -1"
    ):
        inference_aware_plan(LAW, 2.0, -1)


# ----------------------------------------------------------------- uncertainty


def test_bootstrap_intervals_contain_the_point_plan_and_have_width():
    N, D = isoflop_design(np.geomspace(1e18, 1e20, 5), 8)
    L = sample_losses(HOFFMANN_2022, N, D, noise=0.01, seed=5)
    law = fit_joint(N, D, L)
    fit = bootstrap(fit_joint, N, D, L, n=30, seed=0, init_grid=law.as_start())
    spread = bootstrap_plans(fit, 1e22)
    assert spread.point == compute_optimal_plan(JointLaw(**fit.estimate), 1e22)
    assert spread.point.n_params == pytest.approx(
        compute_optimal_plan(law, 1e22).n_params, rel=1e-6
    )
    assert spread.n_samples == 30 and spread.level == 0.95
    for name in ("n_params", "train_tokens", "loss"):
        low, high = getattr(spread, name)
        assert low < getattr(spread.point, name) < high
        assert high > low * (1 + 1e-6)


def test_bootstrap_plans_need_a_joint_fit():
    x = np.geomspace(1, 100, 10)
    fit = bootstrap(fit_power_law, x, 3 * x**-0.5, n=5)
    with pytest.raises(
        ValueError, match=r"no samples of \['B', 'beta'\]: bootstrap fit_joint"
    ):
        bootstrap_plans(fit, 1e22)


# ----------------------------------------------------------------- data: price and scarcity


def test_priced_data_buys_a_larger_model_on_fewer_tokens_and_the_cheapest_bill():
    target, p_c, p_d = 2.0, 1e-18, 1e-9

    def money(N):
        headroom = target - LAW.E - LAW.A * N ** (-LAW.alpha)
        with np.errstate(divide="ignore", invalid="ignore"):
            D = np.where(headroom > 0, (LAW.B / headroom) ** (1 / LAW.beta), np.inf)
        return p_c * 6 * N * D + p_d * D

    priced = cheapest_priced_plan(
        LAW, target, price_per_flop=p_c, price_per_token=p_d
    )
    assert priced.plan.n_params == pytest.approx(
        grid_minimum(money, 1e8, 1e14), rel=1e-3
    )
    assert priced.plan.loss == pytest.approx(target, rel=1e-12)
    assert priced.total_cost == pytest.approx(
        money(np.array([priced.plan.n_params]))[0]
    )
    free = cheapest_plan_for_loss(LAW, target)
    assert priced.plan.n_params > free.n_params
    assert priced.plan.train_tokens < free.train_tokens
    unpriced = cheapest_priced_plan(
        LAW, target, price_per_flop=p_c, price_per_token=0
    )
    assert unpriced.plan == free and unpriced.data_cost == 0


def test_effective_data_follows_muennighoff():
    assert effective_data(1e9, 5e8) == 5e8
    assert MUENNIGHOFF_R_D_STAR == pytest.approx(15.39, abs=0.01)  # facts.md
    # four epochs are worth nearly four times the data; endless repetition at most 1 + R*_D times
    assert effective_data(1e9, 4e9) == pytest.approx(
        1e9 * (1 + 15.387756 * (1 - math.exp(-3 / 15.387756)))
    )
    assert 3.6e9 < effective_data(1e9, 4e9) < 4e9
    assert effective_data(1e9, 1e15) == pytest.approx(
        1e9 * (1 + MUENNIGHOFF_R_D_STAR)
    )


def test_the_data_constrained_loss_reproduces_the_datablations_readme():
    """The README prints these losses for the models of its Figure 1 (right)."""
    assert data_constrained_loss(MUENNIGHOFF, 6.34e9, 242e9, 25e9) == pytest.approx(
        2.2256440889984477, rel=1e-12
    )
    assert data_constrained_loss(MUENNIGHOFF, 8.67e9, 178e9, 25e9) == pytest.approx(
        2.2269634075087867, rel=1e-12
    )


def test_the_data_constrained_plan_matches_the_readmes_grid_search():
    """README: '227B tokens, 9.1 epochs, 6.8B parameters' for 8.67B x 178B FLOPs and 25B unique."""
    result = data_constrained_plan(MUENNIGHOFF, 6 * 8.67e9 * 178e9, 25e9)
    assert result.plan.train_tokens == pytest.approx(227e9, rel=0.005)
    assert result.epochs == pytest.approx(9.1, abs=0.05)
    assert result.plan.n_params == pytest.approx(6.8e9, rel=0.01)
    assert result.plan.loss < data_constrained_loss(
        MUENNIGHOFF, 8.67e9, 178e9, 25e9
    )
    assert result.plan.loss > result.unconstrained.loss


def test_with_enough_unique_data_the_constrained_plan_is_the_free_one():
    free = compute_optimal_plan(LAW, 1e22)
    result = data_constrained_plan(LAW, 1e22, unique_tokens=10 * free.train_tokens)
    assert result.plan.n_params == pytest.approx(free.n_params, rel=1e-6)
    assert result.plan.loss == pytest.approx(free.loss, rel=1e-12)


# ----------------------------------------------------------------- the command line


def run_cli(capsys, *arguments: str) -> str:
    assert main(["plan", *arguments]) == 0
    return capsys.readouterr().out


def test_the_command_line_prints_a_plan_with_its_bill(capsys):
    out = run_cli(
        capsys,
        *[
            "--gpu",
            "H100",
            "--gpus",
            "64",
            "--days",
            "14",
            "--law",
            "hoffmann-unrounded",
            "--price",
            "2.5",
        ],
    )
    budget = training_budget("H100", 64, 336, price_per_gpu_hour=2.5)
    plan = compute_optimal_plan(LAWS["hoffmann-unrounded"], budget.flops)
    assert "64 x NVIDIA H100 SXM" in out and "21,504 GPU-hours" in out
    assert "= 53,760" in out
    assert f"N = {plan.n_params:.3g} parameters" in out
    assert f"loss {plan.loss:.4f}" in out
    assert "2 x N_opt" in out and "inference" not in out
    rounded = compute_optimal_plan(LAWS["hoffmann-rounded"], budget.flops)
    assert f"hoffmann-rounded: N = {rounded.n_params:.3g}" in out
    assert "besiroglu: N =" in out and "kaplan" not in out


def test_the_command_line_json_is_the_plan(capsys):
    out = run_cli(
        capsys,
        *[
            "--gpu",
            "A100",
            "--gpus",
            "8",
            "--hours",
            "100",
            "--law",
            "besiroglu",
            "--mfu",
            "0.3",
            "--json",
        ],
        "--inference-tokens",
        "1e12",
    )
    report = json.loads(out)
    budget = training_budget("A100", 8, 100, mfu=0.3)
    others = {
        name: LAWS[name] for name in ("hoffmann-rounded", "hoffmann-unrounded")
    }
    expected = plan_budget(
        LAWS["besiroglu"],
        budget,
        law_name="besiroglu",
        inference_tokens=1e12,
        other_laws=others,
    )
    assert report == json.loads(json.dumps(expected.as_dict()))
    assert set(report["other_laws"]) == set(others)  # kaplan is of another form
    assert report["other_laws"]["hoffmann-rounded"]["n_params"] == pytest.approx(
        compute_optimal_plan(LAWS["hoffmann-rounded"], budget.flops).n_params
    )
    assert report["budget"]["flops"] == pytest.approx(8 * 100 * 3600 * 312e12 * 0.3)
    assert report["budget"]["cost"] is None
    inference = report["inference_aware"]
    assert inference["n_params"] < report["optimal"]["n_params"]
    assert inference["total_flops"] < inference["total_flops_of_optimal"]


def test_a_size_that_never_reaches_the_loss_is_null_in_json_and_never_in_text():
    budget = training_budget("H100", 8, 24)
    report = plan_budget(LAW, budget)
    report = replace(
        report, penalties=off_frontier_penalties(LAW, budget.flops, factors=(1e-4,))
    )
    as_json = json.loads(json.dumps(report.as_dict()))
    assert as_json["off_frontier"][0]["extra_compute"] is None
    assert "compute never" in str(report)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            "--gpu H200 --gpus 8 --days 1 --law besiroglu",
            "argument --gpu: invalid choice: 'H200' (choose from 'V100', 'A100', 'H100')",
        ),
        (
            "--gpu H100 --gpus 0 --days 1 --law besiroglu",
            "argument --gpus: must be at least 1, got 0",
        ),
        (
            "--gpu H100 --gpus abc --days 1 --law besiroglu",
            "argument --gpus: must be a whole number of GPUs, got 'abc'",
        ),
        (
            "--gpu H100 --gpus 8 --days 0 --law besiroglu",
            "--days must be positive, got 0",
        ),
        (
            "--gpu H100 --gpus 8 --days -1 --law besiroglu",
            "--days must be positive, got -1",
        ),
        (
            "--gpu H100 --gpus 8 --hours inf --law besiroglu",
            "--hours must be positive, got inf",
        ),
        (
            "--gpu H100 --gpus 8 --days 1 --law chinchilla",
            "argument --law: invalid choice: 'chinchilla'",
        ),
        ("--gpu H100 --gpus 8 --days 1 --law kaplan", "invalid choice: 'kaplan'"),
        (
            "--gpu H100 --gpus 8 --days 1 --law besiroglu --price -1",
            "--price must be positive, got -1",
        ),
        (
            "--gpu H100 --gpus 8 --days 1 --law besiroglu --mfu 1.5",
            "--mfu must lie in (0, 1], got 1.5",
        ),
        (
            "--gpu H100 --gpus 8 --days 1 --law besiroglu --inference-tokens -1",
            "--inference-tokens must be zero or positive, got -1",
        ),
        (
            "--gpu V100 --gpus 8 --days 1 --law besiroglu --precision bf16",
            "--precision bf16 is not available on the V100",
        ),
        (
            "--gpu A100 --gpus 8 --days 1 --law besiroglu --precision fp8",
            "--precision fp8 is not available on the A100",
        ),
        (
            "--gpu H100 --gpus 8 --days 1 --law besiroglu --precision fp8",
            "--precision fp8 needs --mfu: the default 40% is a share of the BF16 peak",
        ),
        (
            "--gpu A100 --gpus 8 --days 1 --law besiroglu --precision tf32",
            "--precision tf32 needs --mfu",
        ),
    ],
)
def test_the_command_line_rejects_bad_input_saying_what_is_allowed(
    capsys, arguments, message
):
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", *arguments.split()])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    # the plan command's own usage, not the top-level one
    assert (
        err.startswith("usage: scaling-book plan")
        and "scaling-book plan: error" in err
    )


def test_the_v100_plans_at_fp16_by_default_and_fp8_plans_with_an_mfu(capsys):
    out = run_cli(
        capsys,
        *["--gpu", "V100", "--gpus", "8", "--days", "1", "--law", "besiroglu"],
    )
    assert "8 x NVIDIA V100 SXM2 (fp16, dense peak 125.0 TFLOP/s)" in out
    out = run_cli(
        capsys,
        *[
            "--gpu",
            "H100",
            "--gpus",
            "8",
            "--days",
            "1",
            "--law",
            "besiroglu",
            "--precision",
            "fp8",
            "--mfu",
            "0.3",
        ],
    )
    assert "(fp8, dense peak 1979.0 TFLOP/s)" in out and "MFU 30%" in out


def test_the_inference_aware_plan_prints_its_training_bill_beside_the_budget(
    capsys,
):
    arguments = "--gpu H100 --gpus 64 --days 14 --law besiroglu --price 2"
    out = run_cli(capsys, *arguments.split(), "--inference-tokens", "1e12")
    budget = training_budget("H100", 64, 336, price_per_gpu_hour=2)
    report = plan_budget(LAWS["besiroglu"], budget, inference_tokens=1e12)
    training = report.inference.training.compute_flops
    assert training > budget.flops  # it does not fit the budget
    days = training / (64 * 3600 * budget.peak_flops * budget.mfu) / 24
    assert report.inference_training_hours / 24 == pytest.approx(days)
    assert report.inference_training_cost == pytest.approx(days * 24 * 64 * 2)
    assert f"its training: {training:.3g} FLOPs" in out
    assert f"{training / budget.flops - 1:+.1%} against the budget's" in out
    assert f"{days:.1f} days, bill {report.inference_training_cost:,.0f}" in out
    # the saving: the share of the compute-optimal model's lifetime FLOPs not needed
    saving = 1 - report.inference.total_flops / report.total_flops_of_optimal
    assert report.lifetime_saving == pytest.approx(saving)
    assert f"saving: {saving:.1%} of the compute-optimal model's lifetime" in out


BOOK = Path(__file__).resolve().parents[1] / "book" / "07_enterprise.md"


def book_blocks() -> dict[str, str]:
    """The output blocks of Chapter 7 that show a ``scaling-book plan`` command, by command."""
    blocks = re.findall(
        r"```\{code-block\} text\n:class: output\n\n(.*?)\n```",
        BOOK.read_text(),
        re.DOTALL,
    )
    return {
        block.splitlines()[0]: "\n".join(block.splitlines()[1:])
        for block in blocks
        if block.startswith("$ scaling-book plan")
    }


def same_but_for_quoted_choices(one: str, other: str) -> bool:
    """Equal text, whether or not argparse quotes the choices it lists (Python versions differ)."""

    def unquote(text: str) -> str:
        return re.sub(
            r"\(choose from ([^)]*)\)",
            lambda m: m.group(0).replace("'", ""),
            text,
        )

    return unquote(one) == unquote(other)


def test_the_books_command_output_is_what_the_command_prints(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps its usage to the terminal
    blocks = book_blocks()
    assert len(blocks) == 2
    for command, printed in blocks.items():
        arguments = command.removeprefix("$ scaling-book ").split()
        try:
            status = main(arguments)
        except SystemExit as exit_info:
            status = exit_info.code
        captured = capsys.readouterr()
        output = (captured.out + captured.err).rstrip("\n")
        assert same_but_for_quoted_choices(output, printed), command
        assert status == (0 if "--price" in command else 2)
