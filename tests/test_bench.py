"""The benchmarks' own arithmetic: the ceiling they print counts exactly the FLOPs of a training step."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from helpers.bench.engine import ceiling_flops_per_second, step_products, worst_excess_over_best
from helpers.bench.stacking import time_stacked_and_sequential
from helpers.models import MLPConfig


@pytest.mark.parametrize("width, seeds", [(16, 8), (64, 3)])
def test_step_products_are_the_training_flops_of_the_stack(width, seeds):
    counter = FlopCounterMode(display=False)
    with counter:
        step_products(width, seeds, batch=32)()
    assert counter.get_total_flops() == seeds * 32 * MLPConfig(width, 2).train_flops_per_unit
    assert ceiling_flops_per_second(width, seeds, batch=32, repeats=2) > 0


def test_stacking_benchmark_times_both_ways():
    tokens = torch.randint(0, 5, (2, 9))
    stacked, sequential = time_stacked_and_sequential(lambda: torch.nn.Sequential(
        torch.nn.Embedding(5, 8), torch.nn.Linear(8, 5)), tokens[:, :-1], tokens[:, 1:], n_models=2, steps=1)
    assert stacked > 0 and sequential > 0


def test_worst_excess_is_each_rates_largest_shortfall_against_the_best_rate_of_a_width():
    losses = np.array([[2.0, 1.0, 1.5],   # width A: the second rate is best
                       [1.0, 1.2, 3.0]])  # width B: the first rate is best
    np.testing.assert_allclose(worst_excess_over_best(losses), [1.0, 0.2, 2.0])
