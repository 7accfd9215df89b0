"""Rival joint forms and the forecasting tools of Chapter 4."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers.fit import (
    JointLaw,
    KaplanJointLaw,
    PlainJointLaw,
    fit_joint,
    fit_kaplan_joint,
    fit_plain_joint,
)
from helpers.forecast import (
    best_at_last_checkpoint,
    check_runs,
    compare_forms,
    compute_optimal_exact,
    extrapolation_distance,
    fit_with_intervals,
    forecast,
    forecast_largest,
    joint_table,
    largest_held_out,
    learning_rate_fraction_at_best,
    planned_steps,
    window_forecasts,
)

GRID_N, GRID_D = np.meshgrid(np.geomspace(1e4, 1e6, 5), np.geomspace(1e3, 1.6e4, 5))
N, D = GRID_N.ravel(), GRID_D.ravel()


def test_kaplan_form_is_recovered_from_its_own_losses():
    truth = KaplanJointLaw(N_c=3e3, D_c=5e2, alpha_N=0.6, alpha_D=0.4)
    fitted = fit_kaplan_joint(N, D, truth.predict(N, D))
    assert fitted.alpha_N == pytest.approx(0.6, rel=1e-3)
    assert fitted.alpha_D == pytest.approx(0.4, rel=1e-3)
    assert fitted.N_c == pytest.approx(3e3, rel=1e-2)
    assert fitted.rms_log_residual < 1e-6
    # the limits: model-limited and data-limited
    assert truth.predict(1e4, 1e30) == pytest.approx((3e3 / 1e4) ** 0.6, rel=1e-9)
    assert truth.predict(1e30, 1e3) == pytest.approx((5e2 / 1e3) ** 0.4, rel=1e-9)


def test_plain_form_is_exact_on_a_plane_and_biased_on_a_bend():
    plane = 7.0 * N**-0.3 * D**-0.2
    fitted = fit_plain_joint(N, D, plane)
    assert (fitted.K, fitted.a, fitted.b) == pytest.approx(
        (7.0, 0.3, 0.2), rel=1e-9
    )
    assert isinstance(fitted, PlainJointLaw)
    bent = JointLaw(E=0.5, A=30.0, B=20.0, alpha=0.4, beta=0.3).predict(N, D)
    assert fit_plain_joint(N, D, bent).rms_log_residual > 1e-3


def test_forms_refuse_bad_input_with_the_value_named():
    with pytest.raises(ValueError, match="L"):
        fit_plain_joint(N, D, -np.ones_like(N))
    with pytest.raises(ValueError):
        fit_kaplan_joint(N[:3], D[:3], np.ones(3))


def records(law, noise: float = 0.0, seeds=(0, 1)):
    rng = np.random.default_rng(0)
    rows = []
    for n_params, n_train in zip(N, D):
        for seed in seeds:
            loss = float(law.predict(n_params, n_train)) * (
                1 + noise * rng.normal()
            )
            rows.append(
                {
                    "key": f"{n_params}-{n_train}-{seed}",
                    "n_params": int(n_params),
                    "n_train": int(n_train),
                    "seed": seed,
                    "flops_per_unit": int(6 * n_params),
                    "early_stopped_test_loss": loss,
                    "best_val_step": 10,
                    "curve": [{"step": 5}, {"step": 10 if seed == 0 else 20}],
                }
            )
    return rows


CHINCHILLA_LIKE = JointLaw(E=0.5, A=30.0, B=20.0, alpha=0.4, beta=0.3)


def test_joint_table_averages_seeds_and_held_out_marks_the_largest():
    rows = records(CHINCHILLA_LIKE, noise=0.01)
    table = joint_table(rows)
    assert len(table) == 25 and set(table.n_seeds) == {2}
    pair = [
        r["early_stopped_test_loss"] for r in rows if r["n_params"] == int(N[0])
    ]
    pair = [r["early_stopped_test_loss"] for r in rows[:2]]
    first = (table.N == int(N[0])) & (table.D == int(D[0]))
    assert table.L[first] == pytest.approx(np.mean(pair))
    assert table.L_std[first] == pytest.approx(np.std(pair, ddof=1))
    held = largest_held_out(table)
    assert held.sum() == 9  # one row and one column of a 5 x 5 grid
    with pytest.raises(ValueError, match="test_loss"):
        joint_table(rows, loss="test_loss")


def test_best_at_last_checkpoint_finds_the_runs_still_improving():
    rows = records(CHINCHILLA_LIKE)
    still_improving = best_at_last_checkpoint(rows)
    assert {row["seed"] for row in still_improving} == {0}
    assert len(still_improving) == 25


def test_a_true_law_forecasts_its_held_out_points_exactly():
    table = joint_table(records(CHINCHILLA_LIKE))
    check = forecast(fit_joint, table, largest_held_out(table))
    assert np.max(np.abs(check.relative_error)) < 1e-3
    windows = window_forecasts(fit_plain_joint, table)
    assert [w.k for w in windows] == [3, 4]
    # a plane fitted to a bent law misses more the farther it extrapolates
    near = np.abs(windows[0].relative_error[windows[0].distance < 0.35]).mean()
    far = np.abs(windows[0].relative_error[windows[0].distance > 0.6]).mean()
    assert far > near


def test_extrapolation_distance_counts_decades_on_the_farther_axis():
    distance = extrapolation_distance(
        np.array([10.0, 1000.0, 5.0]), np.array([100.0, 10.0, 10.0]), 10.0, 10.0
    )
    assert distance == pytest.approx([1.0, 2.0, 0.0])


def test_exact_compute_optimum_matches_the_closed_form_under_6ND():
    law = CHINCHILLA_LIKE
    budgets = np.geomspace(1e15, 1e19, 5)
    N_opt, D_opt = compute_optimal_exact(
        law, lambda n: 6.0 * n, 1.0, budgets, (1e2, 1e12)
    )
    N_closed, D_closed = law.compute_optimal(budgets)
    assert N_opt == pytest.approx(N_closed, rel=1e-4)
    assert D_opt == pytest.approx(D_closed, rel=1e-4)
    # two passes over the data: the same units seen, half the distinct data
    N_two, D_two = compute_optimal_exact(
        law, lambda n: 6.0 * n, 2.0, budgets, (1e2, 1e12)
    )
    assert np.all(D_two < D_opt)
    with pytest.raises(ValueError, match="passes"):
        compute_optimal_exact(law, lambda n: 6.0 * n, 0.0, budgets, (1e2, 1e12))


def test_planned_steps_count_windows_for_text_and_examples_for_images():
    from helpers.train.recipes import CNN_RECIPE, TRANSFORMER_RECIPE

    text = {"recipe": dataclasses.asdict(TRANSFORMER_RECIPE), "n_train": 500_000}
    windows = 500_000 // TRANSFORMER_RECIPE.context
    assert planned_steps(text) == TRANSFORMER_RECIPE.steps_for(windows)
    images = {"recipe": dataclasses.asdict(CNN_RECIPE), "n_train": 22_500}
    assert planned_steps(images) == CNN_RECIPE.steps_for(22_500)
    # a best checkpoint in the warm-up is at a small fraction of the peak rate
    early = {**images, "best_val_step": 1}
    assert learning_rate_fraction_at_best(early) == pytest.approx(
        1 / CNN_RECIPE.warmup_steps
    )


def test_check_runs_reports_stopping_and_seed_spread():
    from helpers.train.recipes import CNN_RECIPE

    rows = records(CHINCHILLA_LIKE, noise=0.02)
    planned = CNN_RECIPE.steps_for(int(D[0]))
    for index, row in enumerate(rows):
        row.update(
            recipe=dataclasses.asdict(CNN_RECIPE),
            steps=planned // 2 if index == 0 else 10**9,
            units_per_step=128,
            test_loss=row["early_stopped_test_loss"]
            * (0.99 if index < 3 else 1.01),
        )
    table = joint_table(rows)
    checks = check_runs(rows, table)
    assert [row["key"] for row in checks.stopped_early] == [rows[0]["key"]]
    assert len(checks.early_stop_above_final) == 3
    assert checks.passes_to_best[0] == pytest.approx(10 * 128 / rows[0]["n_train"])
    assert checks.seed_spread == pytest.approx(
        np.median(table.L_std / table.L), rel=1e-12
    )
    assert set(checks.rate_at_best) == set(np.unique(table.N))


def test_forecast_largest_and_form_comparison_favour_the_true_form():
    rows = records(CHINCHILLA_LIKE, noise=0.005)
    table = joint_table(rows)
    largest = forecast_largest(fit_joint, table)
    assert largest.held_out.sum() == 9
    assert largest.seed_noise == pytest.approx(
        table.L_std[largest.held_out] / np.sqrt(2) / table.L[largest.held_out]
    )
    assert largest.error[largest.worst] == largest.error.max()
    # the grid steps half a decade in N and 0.3 in D: the farthest point is 0.5 decades out
    assert largest.distance.max() == pytest.approx(0.5, rel=1e-4)
    assert len(largest.report(table).splitlines()) == 10
    scores = compare_forms(
        {"chinchilla": fit_joint, "plain": fit_plain_joint},
        table,
        largest.held_out,
    )
    assert scores["chinchilla"].held_out < scores["plain"].held_out
    assert scores["chinchilla"].held_out <= scores["chinchilla"].held_out_worst


def test_fit_with_intervals_brackets_the_truth():
    table = joint_table(records(CHINCHILLA_LIKE, noise=0.005))
    joint = fit_with_intervals(fit_joint, table, n_bootstrap=20)
    assert joint.a == pytest.approx(0.3 / 0.7, abs=0.05)
    assert joint.a_interval[0] <= joint.a <= joint.a_interval[1]
    assert np.abs(joint.in_sample).max() < 0.03
