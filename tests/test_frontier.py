"""Seed averages, compute frontiers and IsoFLOP profiles on synthetic learning curves."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.frontier import compute_frontier, isoflop_profile, loss_at_flops, mean_over_seeds


def synthetic_run(n_params: int, seed: int = 0, steps: int = 30) -> dict:
    """A run whose loss after D examples is 1 + 30/N^0.3 + 40/D^0.3 (6 N FLOPs per example)."""
    examples = np.geomspace(100, 1e7, steps)
    loss = 1 + 30 / n_params**0.3 + 40 / examples**0.3
    return {"width": n_params, "n_train": 1000, "seed": seed, "n_params": n_params, "test_loss": float(loss[-1]),
            "curve": [{"flops": 6 * n_params * d, "test_loss": float(l)} for d, l in zip(examples, loss)]}


SIZES = [10**3, 3 * 10**3, 10**4, 3 * 10**4, 10**5, 3 * 10**5, 10**6]


def test_mean_over_seeds():
    rows = [dict(synthetic_run(1000, 0), test_loss=1.0), dict(synthetic_run(1000, 1), test_loss=3.0)]
    (summary,) = mean_over_seeds(rows, "test_loss")
    assert summary["test_loss"] == 2.0 and summary["n_seeds"] == 2 and summary["test_loss_std"] == pytest.approx(np.sqrt(2))


def test_frontier_is_monotone_and_moves_to_larger_models():
    frontier = compute_frontier([synthetic_run(n) for n in SIZES])
    assert np.all(np.diff(frontier.loss) <= 1e-12)
    assert frontier.n_params[0] == SIZES[0] and frontier.n_params[-1] == SIZES[-1]
    assert np.all(np.diff(frontier.n_params) >= 0)


def test_loss_at_flops_interpolates_inside_the_curve_only():
    run = synthetic_run(1000)
    first, last = run["curve"][0], run["curve"][-1]
    assert loss_at_flops(run, first["flops"]) == pytest.approx(first["test_loss"])
    assert loss_at_flops(run, last["flops"] * 2) is None


def test_isoflop_profile_finds_the_analytic_optimum():
    rows = [synthetic_run(int(n)) for n in np.geomspace(1e3, 1e7, 13)]
    budget = 1e12
    profile = isoflop_profile(rows, budget)
    # brute force on the same law along 6 N D = budget
    grid = np.geomspace(1e3, 1e7, 200_001)
    brute = grid[np.argmin(30 / grid**0.3 + 40 / (budget / (6 * grid)) ** 0.3)]
    assert profile.n_opt == pytest.approx(brute, rel=0.15)  # a parabola in log N is an approximation


def test_isoflop_profile_needs_three_sizes():
    with pytest.raises(ValueError, match="only 1 model sizes reach"):
        isoflop_profile([synthetic_run(1000)], 1e9)
