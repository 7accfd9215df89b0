"""Training runs: deterministic, independent within a stack, honest about FLOPs and divergence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from helpers.data.splits import ImageSplits, mnist_splits
from helpers.models import MLPConfig
from helpers.train import MLP_RECIPE, Recipe, train_mlps
from helpers.train.loop import checkpoint_steps

SHORT = dataclasses.replace(
    MLP_RECIPE,
    warmup_steps=5,
    min_steps=40,
    max_steps=40,
    checkpoints=12,
    patience=None,
)


def synthetic_splits(n_train: int = 512, seed: int = 0) -> ImageSplits:
    """Ten Gaussian blobs in 784 dimensions, stored as uint8 like MNIST."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(60, 200, size=(10, 784))

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        labels = rng.integers(0, 10, size=n)
        pixels = np.clip(
            centres[labels] + rng.normal(0, 40, size=(n, 784)), 0, 255
        ).astype(np.uint8)
        return torch.from_numpy(pixels), torch.from_numpy(labels)

    (train_x, train_y), (val_x, val_y), (test_x, test_y) = (
        draw(n_train),
        draw(256),
        draw(256),
    )
    return ImageSplits(
        train_x, train_y, val_x, val_y, test_x, test_y, mean=0.5, std=0.2
    )


def test_same_run_twice_gives_identical_losses():
    data = synthetic_splits()
    first = train_mlps(
        MLPConfig(16, 2), data, seeds=(3,), recipe=SHORT, device=torch.device("cpu")
    )
    again = train_mlps(
        MLPConfig(16, 2), data, seeds=(3,), recipe=SHORT, device=torch.device("cpu")
    )
    assert first[0]["curve"] == again[0]["curve"]
    assert first[0]["test_loss"] == again[0]["test_loss"]


def test_a_run_does_not_depend_on_its_stack_mates():
    data = synthetic_splits()
    alone = train_mlps(
        MLPConfig(16, 2), data, seeds=(1,), recipe=SHORT, device=torch.device("cpu")
    )[0]
    stacked = train_mlps(
        MLPConfig(16, 2),
        data,
        seeds=(0, 1, 2),
        recipe=SHORT,
        device=torch.device("cpu"),
    )
    assert stacked[1]["seed"] == 1
    assert stacked[1]["test_loss"] == pytest.approx(alone["test_loss"], rel=1e-4)
    # seeds differ
    assert stacked[0]["test_loss"] != pytest.approx(
        stacked[2]["test_loss"], rel=1e-6
    )


def test_record_counts_flops_and_learning_curve():
    data = synthetic_splits()
    (record,) = train_mlps(
        MLPConfig(32, 2), data, seeds=(0,), recipe=SHORT, device=torch.device("cpu")
    )
    assert (
        record["steps"] == 40
        and record["n_params"] == 784 * 32 + 32 + 32 * 32 + 32 + 32 * 10 + 10
    )
    assert (
        record["flops_per_unit"] == MLPConfig(32, 2).train_flops_per_unit
        and record["unit"] == "image"
    )
    assert (
        record["units_per_step"] == SHORT.batch_size
        and record["units_seen"] == SHORT.batch_size * 40
    )
    assert (
        record["train_flops"]
        == MLPConfig(32, 2).train_flops_per_unit * SHORT.batch_size * 40
    )
    assert record["curve"][-1]["units_seen"] == record["units_seen"]
    steps = [point["step"] for point in record["curve"]]
    assert steps == checkpoint_steps(40) and steps[-1] == 40
    assert record["curve"][-1]["test_loss"] == pytest.approx(
        record["test_loss"], rel=1e-6
    )
    assert record["curve"][-1]["flops"] == record["train_flops"]
    # it learned something
    assert record["test_loss"] < record["curve"][0]["test_loss"]
    assert 0 <= record["test_accuracy"] <= 1 and record["peak_memory_bytes"] > 0
    assert (
        record["early_stopped_test_loss"]
        == min((p for p in record["curve"]), key=lambda p: p["val_loss"])[
            "test_loss"
        ]
    )
    assert not record["diverged"]


def test_diverged_run_is_recorded_not_dropped():
    data = synthetic_splits()
    exploding = dataclasses.replace(SHORT, learning_rate=1e6)
    records = train_mlps(
        MLPConfig(16, 2),
        data,
        seeds=(0, 1),
        recipe=exploding,
        device=torch.device("cpu"),
    )
    assert len(records) == 2 and all(record["diverged"] for record in records)


def test_recipe_steps_and_schedule():
    recipe = Recipe(
        "r",
        1,
        learning_rate=1.0,
        weight_decay=0.0,
        batch_size=100,
        warmup_steps=10,
        epochs=2.0,
        min_steps=50,
        max_steps=500,
    )
    assert (
        recipe.steps_for(1_000) == 50
        and recipe.steps_for(10_000) == 200
        and recipe.steps_for(10**6) == 500
    )
    assert recipe.learning_rate_at(0, 200) == pytest.approx(0.1)
    assert recipe.learning_rate_at(9, 200) == pytest.approx(1.0)
    assert recipe.learning_rate_at(200, 200) == pytest.approx(0.1)


def test_checkpoints_are_log_spaced_and_end_at_the_last_step():
    steps = checkpoint_steps(4000)
    assert steps[0] == 1 and steps[-1] == 4000 and len(steps) <= 12
    ratios = np.diff(np.log(steps))
    assert ratios.max() < 2 * ratios.min() + 1e-9 or steps[1] <= 3


@pytest.mark.real_data
def test_mnist_splits_are_nested_and_disjoint_from_validation(real_data_root):
    small, large = mnist_splits(1_000, n_test=100), mnist_splits(4_000, n_test=100)
    small_rows = {bytes(row.numpy()) for row in small.train_x}
    large_rows = {bytes(row.numpy()) for row in large.train_x}
    assert len(small.train_y) == 1_000 and small_rows <= large_rows
    assert len(small.val_y) == 5_000 and not small_rows & {
        bytes(row.numpy()) for row in small.val_x
    }
    assert small.train_x.dtype == torch.uint8 and small.train_x.shape[1] == 784
    with pytest.raises(ValueError, match="n_train=60000 must lie in 1..55000"):
        mnist_splits(60_000)


def test_train_batch_gathers_the_indexed_rows_normalised_after_augmenting_the_raw_pixels():
    data = synthetic_splits()
    index = torch.tensor([5, 0, 5])
    inputs, labels = data.train_batch(index, torch.device("cpu"))
    expected = (data.train_x[index].float() / 255 - 0.5) / 0.2
    torch.testing.assert_close(inputs, expected)
    assert torch.equal(labels, data.train_y[index])
    seen = []

    def invert(raw: torch.Tensor) -> torch.Tensor:
        seen.append(raw.dtype)
        return 255 - raw

    inverted, _ = data.train_batch(index, torch.device("cpu"), augment=invert)
    assert seen == [torch.uint8]
    torch.testing.assert_close(
        inverted, ((255 - data.train_x[index]).float() / 255 - 0.5) / 0.2
    )


def test_a_config_that_does_not_fit_the_data_is_refused():
    with pytest.raises(
        ValueError,
        match=r"config.n_inputs=50 but the data have 784 features.*n_inputs=784",
    ):
        train_mlps(
            MLPConfig(8, 1, n_inputs=50),
            synthetic_splits(),
            seeds=(0,),
            recipe=SHORT,
        )


def test_the_order_seed_changes_the_batches_and_is_recorded():
    data = synthetic_splits()
    (first,) = train_mlps(
        MLPConfig(16, 2), data, seeds=(0,), recipe=SHORT, device=torch.device("cpu")
    )
    (other,) = train_mlps(
        MLPConfig(16, 2),
        data,
        seeds=(0,),
        recipe=SHORT,
        device=torch.device("cpu"),
        order_seed=1,
    )
    assert first["order_seed"] == 0 and other["order_seed"] == 1
    assert first["curve"][0]["test_loss"] == pytest.approx(
        other["curve"][0]["test_loss"], rel=0.05
    )
    assert first["test_loss"] != other["test_loss"]
