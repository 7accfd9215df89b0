"""helpers.fit.broken: Caballero et al.'s broken neural scaling law (Chapter 6)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.fit import (
    Break,
    BrokenPowerLaw,
    broken_power_law,
    fit_broken_power_law,
    fit_power_law,
)

ONE_BREAK = {
    "a": 0.05,
    "b": 20.0,
    "c0": 0.3,
    "breaks": (Break(c=0.6, d=3e3, f=0.3),),
}


def noisy(y: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """``y`` times log-normal noise of scale ``sigma`` (a relative error of about sigma)."""
    return y * np.exp(np.random.default_rng(seed).normal(0, sigma, size=y.shape))


def test_formula_has_the_slopes_it_promises():
    law = BrokenPowerLaw(rms_log_residual=0.0, n_points=0, **ONE_BREAK)
    # far below the break the reducible part falls as x^-c0, far above as x^-(c0+c1)
    x = np.array([1.0, 10.0, 1e6, 1e7])
    reducible = law.predict(x) - law.a
    below = np.log(reducible[1] / reducible[0]) / np.log(10)
    above = np.log(reducible[3] / reducible[2]) / np.log(10)
    assert below == pytest.approx(-0.3, abs=0.01)
    assert above == pytest.approx(-0.9, abs=0.01)
    assert law.slope(1.0) == pytest.approx(-0.3, abs=0.01)
    assert law.slope(1e7) == pytest.approx(-0.9, abs=0.01)
    np.testing.assert_allclose(broken_power_law(x, **ONE_BREAK), law.predict(x))


def test_one_break_is_recovered_from_noisy_data():
    x = np.geomspace(10, 1e6, 30)
    y = noisy(broken_power_law(x, **ONE_BREAK), sigma=0.02, seed=1)
    law = fit_broken_power_law(x, y, n_breaks=1)
    (brk,) = law.breaks
    assert law.c0 == pytest.approx(0.3, abs=0.05)
    assert brk.c == pytest.approx(0.6, abs=0.1)
    assert brk.d == pytest.approx(
        3e3, rel=0.5
    )  # within a factor 1.5 on a 5-decade axis
    assert law.a == pytest.approx(0.05, rel=0.2)
    assert law.rms_log_residual < 0.03  # about the noise, 0.02
    assert law.n_parameters == 6


def test_held_out_points_are_predicted_beyond_the_break():
    x = np.geomspace(10, 1e6, 30)
    truth = broken_power_law(x, **ONE_BREAK)
    y = noisy(truth, sigma=0.02, seed=2)
    train = x < 2e5  # the break at 3e3 is inside the fitted range
    broken = fit_broken_power_law(x[train], y[train], n_breaks=1)
    plain = fit_power_law(x[train], y[train], offset=True)
    broken_error = np.abs(broken.predict(x[~train]) / truth[~train] - 1)
    plain_error = np.abs(plain.predict(x[~train]) / truth[~train] - 1)
    assert broken_error.max() < 0.1
    # a single power law cannot bend, and misses the held-out points by more
    assert plain_error.mean() > 2 * broken_error.mean()


def test_two_breaks_follow_a_double_descent():
    double = {
        "a": 0.1,
        "b": 2.0,
        "c0": 0.5,
        "breaks": (Break(c=-1.0, d=100.0, f=0.2), Break(c=1.3, d=1e3, f=0.2)),
    }
    x = np.geomspace(1, 1e5, 25)
    y = noisy(broken_power_law(x, **double), sigma=0.01, seed=3)
    law = fit_broken_power_law(x, y, n_breaks=2)
    assert law.rms_log_residual < 0.02
    assert [brk.c < 0 for brk in law.breaks] == [True, False]  # up, then down
    rises = np.diff(law.predict(np.geomspace(100, 1e3, 10)))
    assert (rises > 0).sum() >= 5


def test_no_break_is_the_saturating_power_law():
    x = np.geomspace(10, 1e5, 12)
    y = noisy(0.2 + 5.0 * x**-0.4, sigma=0.01, seed=4)
    broken = fit_broken_power_law(x, y, n_breaks=0)
    plain = fit_power_law(x, y, offset=True, huber_delta=1e3)  # plain least squares
    assert broken.breaks == ()
    np.testing.assert_allclose(broken.predict(x), plain.predict(x), rtol=1e-3)
    assert broken.c0 == pytest.approx(plain.alpha, rel=1e-2)
    # a break of zero slope change is no break at all
    flat = (Break(c=0.0, d=1e3, f=0.5),)
    np.testing.assert_allclose(
        broken_power_law(x, 0.2, 5.0, 0.4, flat), 0.2 + 5.0 * x**-0.4
    )


def test_without_offset_the_floor_is_zero():
    x = np.geomspace(10, 1e6, 20)
    y = broken_power_law(x, 0.0, 20.0, 0.3, ONE_BREAK["breaks"])
    law = fit_broken_power_law(x, y, n_breaks=1, offset=False)
    assert law.a == 0.0 and law.n_parameters == 5
    np.testing.assert_allclose(law.predict(x), y, rtol=1e-3)


def test_fit_is_reproducible():
    x = np.geomspace(10, 1e6, 15)
    y = noisy(broken_power_law(x, **ONE_BREAK), sigma=0.05, seed=5)
    first = fit_broken_power_law(x, y, seed=7)
    assert fit_broken_power_law(x, y, seed=7) == first
    assert "slope change" in str(first) and set(first.parameters()) == {
        "a",
        "b",
        "c0",
        "c1",
        "d1",
        "f1",
    }


@pytest.mark.parametrize(
    ("x", "y", "n_breaks", "match"),
    [
        ([1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1], 1, "mismatched lengths"),
        ([1, 2, 3, 4, 5], [5, 4, 3, 2, 1], 1, "need at least 6"),
        ([0, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, 1], 1, "must be positive"),
        ([1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, -1], 1, "must be positive"),
        ([2] * 7, [7, 6, 5, 4, 3, 2, 1], 1, "all x are equal"),
        ([1, 2, 3, 4], [4, 3, 2, 1], -1, "non-negative integer"),
    ],
)
def test_bad_input_is_refused(x, y, n_breaks, match):
    with pytest.raises(ValueError, match=match):
        fit_broken_power_law(x, y, n_breaks=n_breaks)


def test_a_parameter_at_its_bound_is_named():
    x = np.geomspace(10, 1e6, 20)
    y = noisy(broken_power_law(x, **ONE_BREAK), sigma=0.01, seed=6)
    free = fit_broken_power_law(x, y, n_breaks=1)
    assert free.at_bounds == ()
    # the true slope change is 0.6; a bound of 0.2 holds c1 there, and the fit says so
    held = fit_broken_power_law(x, y, n_breaks=1, max_exponent=0.2)
    assert held.breaks[0].c == pytest.approx(0.2)
    assert "c1" in held.at_bounds and "at a bound: " in str(held)
    assert held.rms_log_residual > 2 * free.rms_log_residual


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_exponent_bound_is_refused(bad):
    x = np.geomspace(10, 1e6, 10)
    with pytest.raises(ValueError, match="max_exponent must be a positive number"):
        fit_broken_power_law(x, 1.0 / x, max_exponent=bad)


def test_bad_parameters_and_predictions_are_refused():
    with pytest.raises(ValueError, match="b > 0"):
        broken_power_law([1.0], a=0.0, b=-1.0, c0=0.5)
    with pytest.raises(ValueError, match="d > 0 and f > 0"):
        broken_power_law([1.0], 0.0, 1.0, 0.5, (Break(c=1.0, d=-1.0, f=0.5),))
    law = BrokenPowerLaw(rms_log_residual=0.0, n_points=0, **ONE_BREAK)
    with pytest.raises(ValueError, match="finite and positive"):
        law.predict([10.0, 0.0])
