"""Committed `full` results reproduce: a few small runs, chosen at random, are trained again (Chapter 4).

The runs are chosen among the cheap ones (the two smallest model sizes and data sizes of each
Chapter 4 sweep) with a seeded random draw, so that every CI run retrains the same few and a failure
can be reproduced; set ``REPRODUCE_SEED`` to draw others. Training on a CPU with the same thread count
is deterministic, so the tolerance only has to absorb a different machine's floating-point reduction
order: the early-stopped test loss must agree within 2% and the step it was found at exactly, or
within one checkpoint.
"""

from __future__ import annotations

import os
import random

import pytest

from helpers.profiles import get_profile
from helpers.sweep import get_sweep, sweep_results
from helpers.sweep.runner import train_job

SWEEPS = ("mnist_mlp_joint", "shakespeare_transformer")
RUNS_PER_SWEEP = 2
TOLERANCE = 0.02


def cheap_runs(name: str) -> list[dict]:
    rows = sweep_results(name, get_profile("full"))
    widths = sorted({row["width"] for row in rows})[:2]
    sizes = sorted({row["n_train"] for row in rows})[:2]
    return [
        row for row in rows if row["width"] in widths and row["n_train"] in sizes
    ]


@pytest.mark.real_data
@pytest.mark.parametrize("name", SWEEPS)
def test_committed_full_runs_reproduce(real_data_root, name):
    rng = random.Random(int(os.environ.get("REPRODUCE_SEED", "0")))
    chosen = rng.sample(cheap_runs(name), RUNS_PER_SWEEP)
    specs = {spec.key: spec for spec in get_sweep(name).runs(get_profile("full"))}
    for committed in chosen:
        (again,) = train_job([specs[committed["key"]]], 2, None)
        steps = [point["step"] for point in committed["curve"]]
        print(
            f"{name} width {committed['width']}, {committed['n_train']:,} units, seed "
            f"{committed['seed']}: committed {committed['early_stopped_test_loss']:.5f} at "
            f"step {committed['best_val_step']}, again {again['early_stopped_test_loss']:.5f} "
            f"at step {again['best_val_step']}"
        )
        assert again["early_stopped_test_loss"] == pytest.approx(
            committed["early_stopped_test_loss"], rel=TOLERANCE
        )
        position = steps.index(committed["best_val_step"])
        assert again["best_val_step"] in steps[max(0, position - 1) : position + 2]
