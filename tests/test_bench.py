"""The benchmarks' own arithmetic: the ceiling they print counts exactly the FLOPs of a training step."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from helpers.bench.engine import (
    ceiling_flops_per_second,
    step_products,
    worst_excess_over_best,
)
from helpers.bench.families import (
    cnn_convolution_flops,
    cnn_step_convolutions,
    fixed_steps,
    plain_cnn_loop,
    plain_transformer_loop,
    transformer_step_products,
)
from helpers.bench.stacking import time_stacked_and_sequential
from helpers.data.splits import ImageSplits, TextSplits
from helpers.models import CNNConfig, MLPConfig, TransformerConfig
from helpers.train import CNN_RECIPE, TRANSFORMER_RECIPE


@pytest.mark.parametrize("width, seeds", [(16, 8), (64, 3)])
def test_step_products_are_the_training_flops_of_the_stack(width, seeds):
    counter = FlopCounterMode(display=False)
    with counter:
        step_products(width, seeds, batch=32)()
    assert (
        counter.get_total_flops()
        == seeds * 32 * MLPConfig(width, 2).train_flops_per_unit
    )
    assert ceiling_flops_per_second(width, seeds, batch=32, repeats=2) > 0


def test_stacking_benchmark_times_both_ways():
    tokens = torch.randint(0, 5, (2, 9))
    stacked, sequential = time_stacked_and_sequential(
        lambda: torch.nn.Sequential(
            torch.nn.Embedding(5, 8), torch.nn.Linear(8, 5)
        ),
        tokens[:, :-1],
        tokens[:, 1:],
        n_models=2,
        steps=1,
    )
    assert stacked > 0 and sequential > 0


def test_worst_excess_is_each_rates_largest_shortfall_against_the_best_rate_of_a_width():
    # width B: the first rate is best
    losses = np.array(
        [
            [2.0, 1.0, 1.5],  # width A: the second rate is best
            [1.0, 1.2, 3.0],
        ]
    )
    np.testing.assert_allclose(worst_excess_over_best(losses), [1.0, 0.2, 2.0])


@pytest.mark.parametrize("width", [1, 2])
def test_cnn_ceiling_times_exactly_the_steps_convolutions(width):
    config = CNNConfig(width)
    with FlopCounterMode(display=False) as counter:
        cnn_step_convolutions(config, batch=4)()
    assert counter.get_total_flops() == cnn_convolution_flops(config, batch=4)


def test_transformer_ceiling_times_exactly_the_steps_products():
    config = TransformerConfig(11, 32, 2, 8)
    with FlopCounterMode(display=False) as counter:
        transformer_step_products(config, batch=3)()
    assert counter.get_total_flops() == 3 * 8 * config.train_flops_per_unit


def test_plain_loops_train_the_same_architecture_and_report_a_test_loss():
    generator = torch.Generator().manual_seed(0)
    pixels = torch.randint(
        0, 256, (96, 3, 32, 32), dtype=torch.uint8, generator=generator
    )
    labels = torch.randint(0, 10, (96,), generator=generator)
    stat = torch.full((1, 3, 1, 1), 0.5)
    images = ImageSplits(
        pixels[:64],
        labels[:64],
        pixels[64:80],
        labels[64:80],
        pixels[80:],
        labels[80:],
        stat,
        stat,
    )
    with pytest.raises(
        ValueError, match="64 training examples make no full batch of 128"
    ):
        plain_cnn_loop(CNNConfig(1), images, fixed_steps(CNN_RECIPE, 3))
    small_batches = dataclasses.replace(fixed_steps(CNN_RECIPE, 3), batch_size=16)
    seconds, loss = plain_cnn_loop(CNNConfig(1), images, small_batches)
    assert seconds > 0 and 0 < loss < 10
    tokens = torch.randint(0, 5, (3_000,), generator=generator)
    text = TextSplits(tokens[:2_000], tokens[2_000:2_500], tokens[2_500:], "abcde")
    recipe = dataclasses.replace(
        fixed_steps(TRANSFORMER_RECIPE, 3), context=16, batch_size=4
    )
    seconds, loss = plain_transformer_loop(
        TransformerConfig(5, 16, 1, 16), text, recipe
    )
    assert seconds > 0 and 0 < loss < 10
    assert fixed_steps(CNN_RECIPE, 3).steps_for(10**6) == 3
