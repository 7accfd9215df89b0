"""fit_power_law: recovers known laws, reports its uncertainty, refuses bad input."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.fit import PowerLaw, fit_power_law


def test_exact_power_law_is_recovered():
    x = np.geomspace(100, 100_000, 8)
    law = fit_power_law(x, 3.0 * x**-0.35)
    assert law.A == pytest.approx(3.0, rel=1e-10)
    assert law.alpha == pytest.approx(0.35, rel=1e-10)
    assert law.r2_log == pytest.approx(1.0)
    assert law.alpha_stderr == pytest.approx(0.0, abs=1e-10)
    np.testing.assert_allclose(law.predict([1e6]), 3.0 * 1e6**-0.35)


def test_noisy_law_has_honest_standard_error():
    rng = np.random.default_rng(0)
    x = np.geomspace(10, 1e5, 40)
    estimates = []
    for _ in range(200):
        y = 2.0 * x**-0.5 * np.exp(rng.normal(0, 0.05, size=x.size))
        estimates.append(fit_power_law(x, y))
    alphas = np.array([law.alpha for law in estimates])
    mean_stderr = np.mean([law.alpha_stderr for law in estimates])
    assert alphas.mean() == pytest.approx(0.5, abs=0.005)
    assert alphas.std() == pytest.approx(mean_stderr, rel=0.2)  # the reported error matches the spread


def test_increasing_data_gives_negative_alpha_and_prints():
    law = fit_power_law([1, 2, 4], [1, 2, 4])
    assert law.alpha == pytest.approx(-1.0)
    assert "x^{1.000}" in law.equation()
    assert "alpha = -1.0000" in str(law)
    assert isinstance(law, PowerLaw)


@pytest.mark.parametrize(
    "x, y, message",
    [
        ([1, 2, 3], [1, 2], "x has 3 values but y has 2"),
        ([1], [1], "need at least 2"),
        ([1, 0, 2], [1, 1, 1], "x must be positive"),
        ([1, 2], [1, -1], "y must be positive"),
        ([1, np.nan], [1, 1], "non-finite"),
        ([5, 5, 5], [1, 2, 3], "all x are equal"),
        ([[1, 2]], [[1, 2]], "one-dimensional"),
    ],
)
def test_bad_input_is_refused(x, y, message):
    with pytest.raises(ValueError, match=message):
        fit_power_law(x, y)
