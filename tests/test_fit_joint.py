"""fit_joint: recovery of known constants, the compute-optimal allocation, and its input checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from helpers.fit import ConvergenceError, JointLaw, fit_joint, hoffmann_grid
from helpers.fit.batched_bfgs import minimize_batch
from helpers.fit.synthetic import (
    HOFFMANN_2022,
    HOFFMANN_2022_ROUNDED,
    isoflop_design,
    sample_losses,
)

GOPHER_FLOPS = 5.76e23  # Hoffmann et al., Fig. 2 caption
# 6 N D for 70B parameters on 1.4T tokens, = 5.88e23
CHINCHILLA_FLOPS = 6 * 70e9 * 1.4e12


@pytest.fixture(scope="module", params=[0, 1])
def recovered(request) -> JointLaw:
    N, D = isoflop_design(np.geomspace(6e18, 3e21, 10), 25)
    return fit_joint(
        N, D, sample_losses(HOFFMANN_2022, N, D, noise=0.01, seed=request.param)
    )


def test_grid_is_hoffmanns():
    grid = hoffmann_grid()
    assert grid.shape == (5 * 5 * 5 * 6 * 6, 5)
    a, b, e, alpha, beta = grid.T
    assert sorted(set(alpha)) == sorted(set(beta)) == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert sorted(set(e)) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert sorted(set(a)) == sorted(set(b)) == [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]


def test_parameters_are_recovered_from_noisy_data(recovered):
    # 250 runs with 1% noise pin down E and the exponents well; A and B trade off against the
    # exponents, as Besiroglu et al. found, so they are only recovered to within about a third.
    truth = HOFFMANN_2022
    assert recovered.E == pytest.approx(truth.E, rel=0.04)
    assert recovered.alpha == pytest.approx(truth.alpha, rel=0.08)
    assert recovered.beta == pytest.approx(truth.beta, rel=0.08)
    assert recovered.A == pytest.approx(truth.A, rel=0.35)
    assert recovered.B == pytest.approx(truth.B, rel=0.35)
    exponent = recovered.beta / (recovered.alpha + recovered.beta)
    assert exponent == pytest.approx(
        truth.beta / (truth.alpha + truth.beta), abs=0.02
    )
    assert recovered.n_points == 250 and recovered.n_starts == 4500


def test_printed_law_has_the_law_and_the_fit_on_separate_lines(recovered):
    # The site's code column holds about 85 characters: a printed fit breaks into lines.
    lines = str(recovered).splitlines()
    assert len(lines) == 2 and all(len(line) <= 84 for line in lines)
    assert lines[0].startswith("JointLaw(L = ") and lines[0].endswith(";")
    assert lines[1].startswith("  Huber objective ")
    assert lines[1].endswith(" on 250 points, best of 4500 starts)")


def test_exact_data_is_fitted_exactly():
    N, D = isoflop_design(np.geomspace(1e18, 1e21, 6), 12)
    law = fit_joint(N, D, HOFFMANN_2022.predict(N, D))
    for name, value in HOFFMANN_2022.parameters().items():
        assert law.parameters()[name] == pytest.approx(value, rel=2e-3), name


def test_compute_optimal_matches_brute_force_on_the_budget_line():
    law = HOFFMANN_2022
    for budget in (1e20, GOPHER_FLOPS, 1e26):
        N_grid = np.geomspace(1e6, 1e14, 400_001)
        losses = law.predict(N_grid, budget / (6 * N_grid))
        N_brute = N_grid[np.argmin(losses)]
        N_opt, D_opt = law.compute_optimal(budget)
        assert N_opt == pytest.approx(N_brute, rel=1e-4)
        assert 6 * N_opt * D_opt == pytest.approx(budget, rel=1e-12)
        assert law.tokens_per_parameter(budget) == pytest.approx(D_opt / N_opt)


def test_gopher_budget_projection_reproduces_the_published_numbers():
    # Hoffmann et al. project about 40B parameters for Gopher's compute (Fig. 4 caption); the facts
    # sheet's check at C = 5.88e23: 40.7B and about 59 tokens per parameter unrounded, 32.5B and
    # about 93 with the rounded constants printed in the paper's body.
    N_gopher, _ = HOFFMANN_2022.compute_optimal(GOPHER_FLOPS)
    assert N_gopher == pytest.approx(40e9, rel=0.03)
    N_unrounded, _ = HOFFMANN_2022.compute_optimal(CHINCHILLA_FLOPS)
    assert N_unrounded == pytest.approx(40.7e9, rel=0.01)
    assert HOFFMANN_2022.tokens_per_parameter(CHINCHILLA_FLOPS) == pytest.approx(
        59, abs=1
    )
    N_rounded, _ = HOFFMANN_2022_ROUNDED.compute_optimal(CHINCHILLA_FLOPS)
    assert N_rounded == pytest.approx(32.5e9, rel=0.01)
    assert HOFFMANN_2022_ROUNDED.tokens_per_parameter(
        CHINCHILLA_FLOPS
    ) == pytest.approx(93, abs=1)


def test_scalars_in_give_floats_out_and_arrays_in_give_arrays_out():
    law = HOFFMANN_2022
    N_opt, D_opt = law.compute_optimal(CHINCHILLA_FLOPS)
    assert type(N_opt) is float and type(D_opt) is float
    # a numpy scalar too
    assert type(law.compute_optimal(np.float64(CHINCHILLA_FLOPS))[0]) is float
    assert type(law.tokens_per_parameter(CHINCHILLA_FLOPS)) is float
    assert type(law.predict(70e9, 1.4e12)) is float
    # a 0-d array is a scalar, as in numpy
    assert type(law.predict(np.array(70e9), 1.4e12)) is float

    budgets = np.array([GOPHER_FLOPS, CHINCHILLA_FLOPS])
    N_many, D_many = law.compute_optimal(budgets)
    assert isinstance(N_many, np.ndarray) and N_many.shape == D_many.shape == (2,)
    assert N_many[1] == pytest.approx(N_opt) and D_many[1] == pytest.approx(D_opt)
    # a one-element list stays an array
    assert law.compute_optimal([CHINCHILLA_FLOPS])[0].shape == (1,)
    assert law.tokens_per_parameter(budgets).shape == (2,)

    losses = law.predict(np.array([1e9, 70e9]), 1.4e12)  # N and D broadcast
    assert isinstance(losses, np.ndarray) and losses.shape == (2,)
    assert losses[1] == pytest.approx(law.predict(70e9, 1.4e12))
    assert law.predict(np.full((2, 3), 1e9), np.full((2, 3), 2e10)).shape == (2, 3)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda law: law.predict(-1e9, 1e12),
            r"N \(parameters\) must be finite and positive, got \[-1\.e\+09\]",
        ),
        (
            lambda law: law.predict([1e9, 2e9], [1e12, 0.0]),
            r"D .* got \[0\.\]; pass values > 0",
        ),
        (lambda law: law.predict(np.nan, 1e12), r"N .* got \[nan\]"),
        (
            lambda law: law.compute_optimal(0),
            r"C \(compute budget, FLOPs\) must be .* got \[0\.\]",
        ),
    ],
)
def test_bad_prediction_input_names_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call(HOFFMANN_2022)


def test_warm_start_finds_the_same_fit(recovered):
    N, D = isoflop_design(np.geomspace(6e18, 3e21, 10), 25)
    L = recovered.predict(N, D) * np.exp(
        np.random.default_rng(7).normal(0, 0.01, N.size)
    )
    full = fit_joint(N, D, L)
    warm = fit_joint(N, D, L, init_grid=full.as_start())
    assert warm.objective == pytest.approx(full.objective, rel=1e-9)


def test_batched_bfgs_matches_scipy_on_rosenbrock_rows():
    def rosenbrock(x):  # (k, 2) -> (k,), (k, 2)
        u, v = x[:, 0], x[:, 1]
        value = (1 - u) ** 2 + 100 * (v - u**2) ** 2
        gradient = np.column_stack(
            [-2 * (1 - u) - 400 * u * (v - u**2), 200 * (v - u**2)]
        )
        return value, gradient

    starts = np.array([[-1.2, 1.0], [0.0, 0.0], [2.0, -1.0], [-0.5, 3.0]])
    result = minimize_batch(rosenbrock, starts, max_iterations=2000)
    assert result.converged.all()
    np.testing.assert_allclose(result.x, np.ones_like(starts), atol=1e-5)
    for start, end in zip(starts, result.x):
        reference = minimize(
            lambda x: tuple(a[0] for a in rosenbrock(x[None])),
            start,
            jac=True,
            method="BFGS",
        )
        np.testing.assert_allclose(end, reference.x, atol=1e-4)


@pytest.mark.parametrize(
    "N, D, L, kwargs, error, message",
    [
        (
            [1e6] * 5,
            [1e9, 2e9, 3e9, 4e9, 5e9],
            [3, 2.9, 2.8, 2.7, 2.6],
            {},
            ValueError,
            "all N are equal",
        ),
        (
            [1e6, 2e6, 3e6, 4e6],
            [1e9] * 4,
            [3, 2, 2, 2],
            {},
            ValueError,
            "has 5 parameters; got 4 .* add points",
        ),
        ([1e6, 2e6], [1e9, 2e9, 3e9], [3, 2], {}, ValueError, "mismatched lengths"),
        (
            [1e6, -2e6, 3e6, 4e6, 5e6],
            [1e9] * 5,
            [3] * 5,
            {},
            ValueError,
            r"N must be positive .* got \[-2000000\.\]",
        ),
        (
            [1e6, 2e6, 3e6, 4e6, 5e6],
            [1e9, 2e9, 3e9, 4e9, 5e9],
            [3, 2, 0, 2, 2],
            {},
            ValueError,
            "L must be positive",
        ),
        (
            [1e6, 2e6, 3e6, 4e6, 5e6],
            [1e9, 2e9, 3e9, 4e9, 5e9],
            [3, 2, 2, 2, 2],
            {"delta": 0},
            ValueError,
            "delta must be positive, got 0; .* 1e-3",
        ),
        (
            [1e6, 2e6, 3e6, 4e6, 5e6],
            [1e9, 2e9, 3e9, 4e9, 5e9],
            [3, 2, 2, 2, 2],
            {"init_grid": np.zeros((3, 4))},
            ValueError,
            r"init_grid must be finite rows .* got shape \(3, 4\); pass an array of shape \(K, 5\)",
        ),
        (
            [1e6, 2e6, 3e6, 4e6, 5e6],
            [1e9, 2e9, 3e9, 4e9, 5e9],
            [3, 2, 2, 2, 2],
            {"init_grid": [[0, 0, 0, 0.5, 0.5], [0, 0, np.inf, 0.5, 0.5]]},
            ValueError,
            r"init_grid must be finite rows .* non-finite values in rows \[1\]",
        ),
    ],
)
def test_bad_joint_input_is_refused(N, D, L, kwargs, error, message):
    with pytest.raises(error, match=message):
        fit_joint(N, D, L, **kwargs)


def test_convergence_error_is_a_runtime_error():
    assert issubclass(ConvergenceError, RuntimeError)
