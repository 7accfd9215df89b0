"""helpers.fit: power laws (pure and saturating), linear regression, and their input checks."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from helpers.fit import ConvergenceError, PowerLaw, fit_linear, fit_power_law

RNG = np.random.default_rng(0)


# --- pure power law -------------------------------------------------------------------------------


def test_exact_power_law_is_recovered():
    x = np.geomspace(100, 100_000, 8)
    law = fit_power_law(x, 3.0 * x**-0.35)
    assert law.A == pytest.approx(3.0, rel=1e-10)
    assert law.alpha == pytest.approx(0.35, rel=1e-10)
    assert law.E == 0.0 and not law.has_offset
    assert law.r2_log == pytest.approx(1.0)
    assert law.alpha_stderr == pytest.approx(0.0, abs=1e-10)
    np.testing.assert_allclose(law.predict([1e6]), 3.0 * 1e6**-0.35)


def test_noisy_law_has_honest_standard_error():
    x = np.geomspace(10, 1e5, 40)
    estimates = [
        fit_power_law(x, 2.0 * x**-0.5 * np.exp(RNG.normal(0, 0.05, size=x.size)))
        for _ in range(200)
    ]
    alphas = np.array([law.alpha for law in estimates])
    mean_stderr = np.mean([law.alpha_stderr for law in estimates])
    assert alphas.mean() == pytest.approx(0.5, abs=0.005)
    # the reported error matches the spread
    assert alphas.std() == pytest.approx(mean_stderr, rel=0.2)


def test_predict_returns_a_float_for_a_scalar_and_an_array_for_an_array():
    law = fit_power_law([1e3, 1e4, 1e5], [0.1, 0.05, 0.025])
    # a 0-d array is a scalar, as in numpy
    for scalar in (
        2e4,
        20_000,
        np.float64(2e4),
        np.array(2e4),
    ):
        assert type(law.predict(scalar)) is float
    assert law.predict(2e4) == pytest.approx(law.A * 2e4**-law.alpha)
    one = law.predict([2e4])  # a one-element list stays an array
    assert (
        isinstance(one, np.ndarray)
        and one.shape == (1,)
        and one[0] == pytest.approx(law.predict(2e4))
    )
    assert law.predict(np.geomspace(1e3, 1e5, 6).reshape(2, 3)).shape == (2, 3)
    with pytest.raises(
        ValueError,
        match=r"x must be finite and positive, got \[-5\.\]; pass values > 0",
    ):
        law.predict(-5.0)
    with pytest.raises(ValueError, match=r"got \[ 0\. nan\]"):
        law.predict([1.0, 0.0, np.nan])


def test_increasing_data_gives_negative_alpha_and_prints():
    law = fit_power_law([1, 2, 4], [1, 2, 4])
    assert law.alpha == pytest.approx(-1.0)
    assert "x^{1.000}" in law.equation()
    assert "alpha = -1.0000" in str(law)
    assert isinstance(law, PowerLaw)


def test_printed_power_law_has_one_group_per_line():
    # The site's code column holds about 85 characters: a printed fit breaks into lines.
    x = np.geomspace(1e3, 1e6, 7)
    law = fit_power_law(x, 0.06 + 1.3e4 * x**-1.27, offset=True)
    lines = str(law).splitlines()
    assert len(lines) == 3 and all(len(line) <= 84 for line in lines)
    assert lines[0].startswith("PowerLaw(y = ") and lines[0].endswith(";")
    assert lines[1].startswith("  E = ") and "alpha = 1.2700 ± " in lines[1]
    assert lines[2].startswith("  R² (log space) = ")
    assert lines[2].endswith(", 7 points)")
    pure = str(fit_power_law(x, 3.0 * x**-0.35)).splitlines()
    assert pure[0] == "PowerLaw(y = 3 * x^-0.3500;"
    assert pure[1].startswith("  alpha = 0.3500 ± ")


# --- saturating power law -------------------------------------------------------------------------


def test_saturating_law_is_recovered_exactly():
    x = np.geomspace(1e3, 1e7, 12)
    law = fit_power_law(x, 1.7 + 40.0 * x**-0.3, offset=True)
    assert law.E == pytest.approx(1.7, rel=1e-6)
    assert law.A == pytest.approx(40.0, rel=1e-5)
    assert law.alpha == pytest.approx(0.3, rel=1e-6)
    assert "1.7 + " in law.equation()


def test_saturating_law_with_noise_is_recovered_within_tolerance():
    x = np.geomspace(1e3, 1e7, 20)
    y = (0.5 + 20.0 * x**-0.4) * np.exp(RNG.normal(0, 0.01, size=x.size))
    law = fit_power_law(x, y, offset=True)
    assert law.E == pytest.approx(0.5, rel=0.05)
    assert law.alpha == pytest.approx(0.4, rel=0.1)
    # the reported uncertainty is not wildly small
    assert abs(law.E - 0.5) < 3 * law.E_stderr + 1e-3


def test_straight_line_underestimates_a_saturating_exponent():
    x = np.geomspace(1e3, 1e7, 12)
    y = 1.0 + 30.0 * x**-0.5
    assert fit_power_law(x, y).alpha < 0.5 * fit_power_law(x, y, offset=True).alpha


def test_huber_loss_resists_one_outlier():
    x = np.geomspace(1e3, 1e7, 15)
    y = 0.5 + 20.0 * x**-0.4
    y[7] *= 1.5  # one corrupted measurement
    robust = fit_power_law(x, y, offset=True)
    # a huge threshold: plain least squares
    squared = fit_power_law(x, y, offset=True, huber_delta=1e3)
    assert robust.alpha == pytest.approx(0.4, rel=0.05)
    assert robust.E == pytest.approx(0.5, rel=0.02)
    assert abs(squared.alpha - 0.4) > 5 * abs(robust.alpha - 0.4)


# --- linear regression ----------------------------------------------------------------------------


def well_conditioned_problem(m: int = 200) -> tuple[np.ndarray, np.ndarray]:
    X = RNG.normal(size=(m, 3))
    y = 1.5 + X @ np.array([2.0, -1.0, 0.5]) + RNG.normal(0, 0.3, size=m)
    return X, y


def test_least_squares_matches_scikit_learn_and_decomposes():
    X, y = well_conditioned_problem()
    fit = fit_linear(X, y)
    reference = LinearRegression().fit(X, y)
    assert fit.intercept == pytest.approx(reference.intercept_, rel=1e-10)
    np.testing.assert_allclose(fit.coef, reference.coef_, rtol=1e-10)
    assert fit.sst == pytest.approx(fit.ssr + fit.sse, rel=1e-12)
    assert fit.r2 == pytest.approx(reference.score(X, y), rel=1e-12)
    assert fit.r2 == pytest.approx(fit.ssr / fit.sst, rel=1e-12)
    assert fit.mse == pytest.approx(fit.sse / 200) and fit.rmse == pytest.approx(
        np.sqrt(fit.mse)
    )
    np.testing.assert_allclose(fit.predict(X), reference.predict(X), rtol=1e-10)
    assert "SST" in str(fit) and fit.parameters()["b0"] == fit.intercept


def test_printed_linear_fit_has_one_group_per_line():
    X, y = well_conditioned_problem()
    lines = str(fit_linear(X, y)).splitlines()
    assert len(lines) == 3 and all(len(line) <= 84 for line in lines)
    assert lines[0].startswith("LinearFit[lstsq](y = ") and "*x3;" in lines[0]
    assert lines[1].startswith("  MSE = ") and "R² = " in lines[1]
    assert lines[2].startswith("  SST ") and lines[2].endswith("; 200 points)")
    # Many features: the terms wrap, and no line is wider than the code column.
    wide = RNG.normal(size=(40, 15))
    lines = str(fit_linear(wide, wide @ np.arange(15.0) + 1)).splitlines()
    assert len(lines) > 3 and all(len(line) <= 84 for line in lines)
    assert "*x15;" in lines[-3]


def test_gradient_descent_agrees_with_least_squares():
    X, y = well_conditioned_problem()
    exact = fit_linear(X, y, method="lstsq")
    descent = fit_linear(X, y, method="gd", learning_rate=0.2)
    np.testing.assert_allclose(descent.coef, exact.coef, rtol=1e-7)
    assert descent.intercept == pytest.approx(exact.intercept, rel=1e-7)
    assert descent.mse == pytest.approx(exact.mse, rel=1e-10)
    curve = np.array(descent.loss_curve)
    # the loss never rises
    assert len(curve) > 10 and np.all(np.diff(curve) <= 1e-12)
    assert exact.loss_curve == ()


def test_one_feature_vector_is_accepted():
    x = np.arange(10.0)
    fit = fit_linear(x, 3.0 - 2.0 * x)
    assert fit.coef == pytest.approx((-2.0,)) and fit.intercept == pytest.approx(
        3.0
    )
    assert fit.r2 == pytest.approx(1.0)


def test_linear_predict_returns_a_float_for_a_scalar_and_an_array_for_an_array():
    x = np.arange(10.0)
    fit = fit_linear(x, 3.0 - 2.0 * x)
    assert type(fit.predict(4.0)) is float and fit.predict(4.0) == pytest.approx(
        -5.0
    )
    assert type(fit.predict(np.float64(4.0))) is float
    several = fit.predict([4.0])
    assert isinstance(several, np.ndarray) and several.shape == (1,)
    np.testing.assert_allclose(fit.predict(x), 3.0 - 2.0 * x)
    X, y = well_conditioned_problem()
    wide = fit_linear(X, y)
    assert wide.predict(X[:5]).shape == (5,)
    with pytest.raises(
        ValueError,
        match=r"X has 1 features, .* fitted with 3; pass X of shape \(m, 3\)",
    ):
        wide.predict(1.0)
    with pytest.raises(
        ValueError, match=r"non-finite values \[nan\] in rows \[1\]"
    ):
        fit.predict([1.0, np.nan])


def test_too_large_learning_rate_is_reported_as_divergence():
    X, y = well_conditioned_problem()
    with pytest.raises(ConvergenceError, match="diverged .* learning_rate=5"):
        fit_linear(X, y, method="gd", learning_rate=5.0)


def test_too_few_iterations_are_reported():
    X, y = well_conditioned_problem()
    with pytest.raises(
        ConvergenceError,
        match=r"did not converge in 5 iterations \(MSE still changing: \S+ -> ",
    ):
        fit_linear(X, y, method="gd", max_iterations=5)
    with pytest.raises(
        ConvergenceError,
        match=r"did not converge in 1 iterations \(MSE still changing: [\d.]+\)",
    ):
        fit_linear(X, y, method="gd", max_iterations=1)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, y, offset, message",
    [
        (
            [1, 2, 3],
            [1, 2],
            False,
            "mismatched lengths: x has 3, y has 2; pass one value of each",
        ),
        ([1], [1], False, "got 1 point.*need at least 2: add points"),
        ([1, 2], [1, 2], True, "with offset has 3 parameters; got 2"),
        (
            [1, 0, 2],
            [1, 1, 1],
            False,
            r"x must be positive to take logarithms, got \[0\.\]; drop those",
        ),
        ([1, 2], [1, -1], False, r"y must be positive .* got \[-1\.\]"),
        ([1, np.nan], [1, 1], False, r"non-finite values \[nan\]; drop them"),
        ([1, np.inf, 3], [1, 1, 1], True, r"non-finite values \[inf\]"),
        (
            [5, 5, 5],
            [1, 2, 3],
            False,
            r"all x are equal \(5\); .* measure at more than one x",
        ),
        (
            [[1, 2]],
            [[1, 2]],
            False,
            r"one-dimensional .* got shape \(1, 2\); pass a flat list",
        ),
    ],
)
def test_bad_power_law_input_is_refused(x, y, offset, message):
    with pytest.raises(ValueError, match=message):
        fit_power_law(x, y, offset=offset)


def test_bad_huber_threshold_names_the_value_and_the_default():
    with pytest.raises(
        ValueError,
        match=r"huber_delta must be positive, got -1; .* 0\.05 \(the default\)",
    ):
        fit_power_law([1, 2, 3], [3, 2, 1.5], offset=True, huber_delta=-1)


@pytest.mark.parametrize(
    "X, y, kwargs, message",
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], {}, "mismatched lengths"),
        ([1.0], [1.0], {}, "got 1 point.*need at least 2"),
        ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], {}, r"all x are equal \(2\)"),
        (
            [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]],
            [1.0, 2.0, 3.0],
            {},
            "linearly dependent: .* rank 2, not 3",
        ),
        ([1.0, np.nan], [1.0, 2.0], {}, r"non-finite values \[nan\] in rows \[1\]"),
        ([1.0, 2.0], [1.0, np.inf], {}, r"non-finite values \[inf\]"),
        (
            [1.0, 2.0, 3.0],
            [1.0, 2.0, 3.0],
            {"method": "adam"},
            "unknown method 'adam': choose one of lstsq, gd",
        ),
        (
            [1.0, 2.0, 3.0],
            [1.0, 2.0, 3.0],
            {"method": "gd", "learning_rate": 0},
            "learning_rate must be positive, got 0; try 0.1",
        ),
        (
            [1.0, 2.0, 3.0],
            [1.0, 2.0, 3.0],
            {"method": "gd", "max_iterations": 0},
            "max_iterations must be at least 1, got 0",
        ),
    ],
)
def test_bad_linear_input_is_refused(X, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit_linear(X, y, **kwargs)
