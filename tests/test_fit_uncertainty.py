"""bootstrap and check_extrapolation work with every fit and report honest numbers."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.fit import (
    ConvergenceError,
    bootstrap,
    check_extrapolation,
    fit_joint,
    fit_linear,
    fit_power_law,
)
from helpers.fit.synthetic import HOFFMANN_2022, isoflop_design, sample_losses


def test_bootstrap_standard_error_matches_the_analytic_one():
    rng = np.random.default_rng(3)
    x = np.geomspace(10, 1e5, 60)
    y = 2.0 * x**-0.5 * np.exp(rng.normal(0, 0.05, x.size))
    law = fit_power_law(x, y)
    result = bootstrap(fit_power_law, x, y, n=400, seed=0)
    assert result.estimate["alpha"] == pytest.approx(law.alpha)
    assert result.stderr["alpha"] == pytest.approx(law.alpha_stderr, rel=0.25)
    low, high = result.interval["alpha"]
    assert low < 0.5 < high and low < law.alpha < high
    assert result.n_failed == 0 and "alpha" in str(result)


def test_bootstrap_is_reproducible_and_passes_fit_options():
    rng = np.random.default_rng(4)
    x = np.geomspace(1e3, 1e6, 12)
    y = (0.3 + 10 * x**-0.4) * np.exp(rng.normal(0, 0.01, x.size))
    first = bootstrap(fit_power_law, x, y, n=20, seed=1, offset=True)
    again = bootstrap(fit_power_law, x, y, n=20, seed=1, offset=True)
    np.testing.assert_array_equal(first.samples["E"], again.samples["E"])
    assert first.estimate["E"] > 0


def test_bootstrap_counts_failed_resamples_and_gives_up_when_too_many_fail():
    x = np.array([1.0, 1.0, 1.0, 1.0, 2.0])  # most resamples have a single x value
    y = np.array([1.0, 1.1, 0.9, 1.0, 2.0])
    with pytest.raises(
        ConvergenceError,
        match=r"of 50 bootstrap fits failed \(the first: all x are equal",
    ):
        bootstrap(fit_linear, x, y, n=50, seed=0)


def test_bootstrap_of_the_joint_law_with_a_warm_start():
    N, D = isoflop_design(np.geomspace(1e19, 1e21, 5), 10)
    L = sample_losses(HOFFMANN_2022, N, D, noise=0.01, seed=2)
    law = fit_joint(N, D, L)
    result = bootstrap(fit_joint, N, D, L, n=10, seed=0, init_grid=law.as_start())
    assert set(result.stderr) == {"E", "A", "B", "alpha", "beta"}
    assert result.stderr["E"] > 0


@pytest.mark.parametrize(
    "n, level, message",
    [
        (1, 0.9, "at least 2 resamples, got 1"),
        (10, 1.5, "between 0 and 1, got 1.5; pass e.g. 0.95"),
    ],
)
def test_bootstrap_bad_arguments(n, level, message):
    with pytest.raises(ValueError, match=message):
        bootstrap(fit_power_law, [1, 2, 3], [3, 2, 1], n=n, level=level)


def test_extrapolation_of_an_exact_law_is_exact():
    x = np.geomspace(100, 1e6, 9)
    y = 5.0 * x**-0.3
    check = check_extrapolation(fit_power_law, x, y, held_out=x > 1e5)
    assert len(check.observed) == 2
    np.testing.assert_allclose(check.relative_error, 0, atol=1e-10)


def test_extrapolation_exposes_a_missing_floor():
    x = np.geomspace(100, 1e7, 11)
    y = 0.2 + 5.0 * x**-0.5
    held_out = x > 1e5
    straight = check_extrapolation(fit_power_law, x, y, held_out=held_out)
    curved = check_extrapolation(
        fit_power_law, x, y, held_out=held_out, offset=True
    )
    # a line through a bending curve predicts too low
    assert np.all(straight.relative_error < -0.05)
    assert curved.mean_absolute_relative_error < 1e-4


def test_joint_extrapolation_to_larger_budgets():
    N, D = isoflop_design(np.geomspace(1e18, 1e22, 9), 12)
    L = sample_losses(HOFFMANN_2022, N, D, noise=0.005, seed=5)
    check = check_extrapolation(fit_joint, N, D, L, held_out=6 * N * D > 2e21)
    assert check.mean_absolute_relative_error < 0.02


def test_bootstrap_data_errors_name_the_lengths():
    with pytest.raises(
        ValueError, match=r"equal-length data arrays, got lengths \[3, 2\]"
    ):
        bootstrap(fit_power_law, [1, 2, 3], [3, 2])


def test_extrapolation_mask_errors():
    with pytest.raises(
        ValueError, match=r"boolean mask of shape \(3,\), got \(1,\)"
    ):
        check_extrapolation(fit_power_law, [1, 2, 3], [3, 2, 1], held_out=[True])
    with pytest.raises(
        ValueError,
        match="some points to predict and leave some to fit; it selects 0 of 3",
    ):
        check_extrapolation(
            fit_power_law, [1, 2, 3], [3, 2, 1], held_out=[False] * 3
        )
    with pytest.raises(ValueError, match="it selects 3 of 3"):
        check_extrapolation(
            fit_power_law, [1, 2, 3], [3, 2, 1], held_out=[True] * 3
        )
    with pytest.raises(
        ValueError, match="inputs followed by its target.*; got 1 array"
    ):
        check_extrapolation(fit_power_law, [1, 2, 3], held_out=[True, False, False])


def test_extrapolation_to_one_held_out_point_keeps_arrays():
    x = np.geomspace(100, 1e6, 5)
    check = check_extrapolation(
        fit_power_law, x, 5.0 * x**-0.3, held_out=x == x.max()
    )
    assert check.predicted.shape == check.relative_error.shape == (1,)
