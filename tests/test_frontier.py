"""Compute frontiers and IsoFLOP curves on synthetic learning curves."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.frontier import compute_frontier, isoflop_curve, loss_at_flops


def synthetic_run(n_params: int, seed: int = 0, steps: int = 30) -> dict:
    """A run whose loss after D examples is 1 + 30/N^0.3 + 40/D^0.3 (6 N FLOPs per example)."""
    examples = np.geomspace(100, 1e7, steps)
    loss = 1 + 30 / n_params**0.3 + 40 / examples**0.3
    return {
        "width": n_params,
        "n_train": 1000,
        "seed": seed,
        "n_params": n_params,
        "test_loss": float(loss[-1]),
        "curve": [
            {"flops": 6 * n_params * d, "test_loss": float(l)}
            for d, l in zip(examples, loss)
        ],
    }


SIZES = [10**3, 3 * 10**3, 10**4, 3 * 10**4, 10**5, 3 * 10**5, 10**6]


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


def test_isoflop_curve_finds_the_analytic_optimum():
    rows = [synthetic_run(int(n)) for n in np.geomspace(1e3, 1e7, 13)]
    budget = 1e12
    curve = isoflop_curve(rows, budget)
    # brute force on the same law along 6 N D = budget
    grid = np.geomspace(1e3, 1e7, 200_001)
    brute = grid[np.argmin(30 / grid**0.3 + 40 / (budget / (6 * grid)) ** 0.3)]
    # a parabola in log N is an approximation
    assert curve.n_opt == pytest.approx(brute, rel=0.15)


def test_isoflop_curve_needs_three_sizes():
    with pytest.raises(ValueError, match="only 1 model sizes reach"):
        isoflop_curve([synthetic_run(1000)], 1e9)
