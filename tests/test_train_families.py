"""The CNN and transformer trainers: deterministic, exact about what they count, honest about divergence."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from helpers.data.splits import ImageSplits, TextSplits, encode, windows
from helpers.models import CharTransformer, CNNConfig, TransformerConfig
from helpers.train import (
    CNN_RECIPE,
    MLP_RECIPE,
    TRANSFORMER_RECIPE,
    Recipe,
    train_cnns,
    train_loop,
    train_transformers,
)
from helpers.train.loop import adamw_optimizer, checkpoint_steps
from helpers.train.text import evaluate_text

CPU = torch.device("cpu")
SHORT_CNN = dataclasses.replace(
    CNN_RECIPE,
    warmup_steps=5,
    min_steps=30,
    max_steps=30,
    checkpoints=12,
    patience=None,
)
SHORT_TEXT = dataclasses.replace(
    TRANSFORMER_RECIPE,
    warmup_steps=5,
    min_steps=40,
    max_steps=40,
    context=16,
    checkpoints=12,
    patience=None,
)


def colour_blobs(n_train: int = 384, seed: int = 0) -> ImageSplits:
    """Ten classes, each its own colour, as 3x32x32 uint8 images with strong pixel noise."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(40, 215, size=(10, 3, 1, 1))

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        labels = rng.integers(0, 10, size=n)
        pixels = np.clip(
            centres[labels] + rng.normal(0, 50, size=(n, 3, 32, 32)), 0, 255
        ).astype(np.uint8)
        return torch.from_numpy(pixels), torch.from_numpy(labels)

    (train_x, train_y), (val_x, val_y), (test_x, test_y) = (
        draw(n_train),
        draw(128),
        draw(128),
    )
    stat = torch.full((1, 3, 1, 1), 0.5)
    return ImageSplits(
        train_x, train_y, val_x, val_y, test_x, test_y, mean=stat, std=stat / 2
    )


def patterned_text(seed: int = 0) -> TextSplits:
    """A first-order Markov chain over 8 characters, each followed by one of two: learnable, not trivial."""
    rng = np.random.default_rng(seed)
    vocabulary = "abcdefgh"
    successors = rng.integers(0, 8, size=(8, 2))
    state, chars = 0, []
    for _ in range(6_000):
        state = int(successors[state, rng.integers(0, 2)])
        chars.append(vocabulary[state])
    tokens = encode("".join(chars), vocabulary)
    return TextSplits(
        tokens[:4_000], tokens[4_000:5_000], tokens[5_000:], vocabulary
    )


def text_config(n_layers: int = 1) -> TransformerConfig:
    """A model for :func:`patterned_text` and :data:`SHORT_TEXT`: d_model 32, context 16."""
    return TransformerConfig(
        vocab_size=8, d_model=32, n_layers=n_layers, context=16
    )


def test_cnn_runs_are_deterministic_and_seeds_differ():
    data = colour_blobs()
    first = train_cnns(
        CNNConfig(1), data, (0, 1), SHORT_CNN, device=CPU, n_checkpoints=4
    )
    again = train_cnns(
        CNNConfig(1), data, (0,), SHORT_CNN, device=CPU, n_checkpoints=4
    )
    # and seed 0 does not depend on seed 1 beside it
    assert first[0]["curve"] == again[0]["curve"]
    assert first[0]["test_loss"] != pytest.approx(first[1]["test_loss"], rel=1e-6)


def test_cnn_record_counts_parameters_flops_and_learns():
    data = colour_blobs()
    (record,) = train_cnns(CNNConfig(2), data, (0,), SHORT_CNN, device=CPU)
    assert (
        record["family"] == "cnn" and record["width"] == 2 and record["depth"] == 5
    )
    assert (
        record["n_params"]
        == CNNConfig(2).n_params
        == record["n_params_non_embedding"]
    )
    assert (
        record["flops_per_unit"] == CNNConfig(2).train_flops_per_unit
        and record["dataset"] == "cifar10"
    )
    assert (
        record["train_flops"]
        == CNNConfig(2).train_flops_per_unit * SHORT_CNN.batch_size * 30
    )
    assert [p["step"] for p in record["curve"]] == checkpoint_steps(30)
    assert record["curve"][-1]["units_seen"] == 30 * SHORT_CNN.batch_size
    # far below chance on separable blobs
    assert record["test_loss"] < 0.5 * math.log(10)
    assert not record["diverged"]


def test_cnn_divergence_is_recorded():
    records = train_cnns(
        CNNConfig(1),
        colour_blobs(),
        (0,),
        dataclasses.replace(SHORT_CNN, learning_rate=1e5),
        device=CPU,
    )
    assert len(records) == 1 and records[0]["diverged"]


def test_transformer_runs_are_deterministic_and_learn_the_chain():
    data = patterned_text()
    (first,) = train_transformers(
        text_config(n_layers=1), data, (0,), SHORT_TEXT, device=CPU, n_checkpoints=4
    )
    (again,) = train_transformers(
        text_config(n_layers=1), data, (0,), SHORT_TEXT, device=CPU, n_checkpoints=4
    )
    assert (
        first["curve"] == again["curve"]
        and first["test_loss"] == again["test_loss"]
    )
    assert first["curve"][0]["test_loss"] > 0.9 * math.log(8)  # starts near chance
    # on its way to the chain's log 2
    assert first["test_loss"] < 0.5 * (math.log(8) + math.log(2))


def test_transformer_record_counts_both_parameter_totals_and_flops_per_token():
    data = patterned_text()
    (record,) = train_transformers(
        text_config(n_layers=2), data, (3,), SHORT_TEXT, device=CPU
    )
    config = TransformerConfig(8, 32, 2, 16)
    assert (
        record["n_params"] == config.n_params
        and record["n_params_non_embedding"] == config.n_params_non_embedding
    )
    assert record["n_params_non_embedding"] == config.n_params - 8 * 32 - 16 * 32
    assert (
        record["recipe"]["context"] == 16
        and record["n_train"] == 4_000
        and record["unit"] == "character"
    )
    assert record["flops_per_unit"] == config.train_flops_per_unit
    tokens_per_step = SHORT_TEXT.batch_size * 16
    assert record["units_per_step"] == tokens_per_step
    assert (
        record["curve"][-1]["units_seen"]
        == 40 * tokens_per_step
        == record["units_seen"]
    )
    assert record["train_flops"] == record["flops_per_unit"] * tokens_per_step * 40
    assert record["steps"] == SHORT_TEXT.steps_for(4_000 // 16)


def test_text_evaluation_is_the_mean_loss_per_character():
    data = patterned_text()
    torch.manual_seed(0)
    model = CharTransformer(TransformerConfig(8, 32, 1, 16))
    # chunks that do not divide evenly
    loss, accuracy = evaluate_text(model, data.test, CPU, chunk=7)
    inputs, targets = windows(data.test, 16)
    with torch.no_grad():
        logits = model(inputs)
    expected = torch.nn.functional.cross_entropy(
        logits.flatten(0, 1), targets.flatten()
    )
    assert loss[0] == pytest.approx(float(expected), rel=1e-5)
    assert accuracy[0] == pytest.approx(
        float((logits.argmax(-1) == targets).float().mean()), rel=1e-6
    )


def test_text_inputs_are_checked():
    data = patterned_text()
    with pytest.raises(ValueError, match="'z'"):
        encode("abz", "abc")
    with pytest.raises(ValueError, match="use at least 17"):
        windows(torch.arange(10), 16)
    with pytest.raises(ValueError, match="multiple of the head size 16"):
        TransformerConfig(8, 40, 1, 16)
    with pytest.raises(
        ValueError,
        match="trains on windows of None characters but the model's context is 16",
    ):
        train_transformers(text_config(), data, (0,), CNN_RECIPE, device=CPU)
    with pytest.raises(
        ValueError, match="config.vocab_size=9 but the text has 8 characters"
    ):
        train_transformers(
            TransformerConfig(9, 32, 1, 16), data, (0,), SHORT_TEXT, device=CPU
        )
    with pytest.raises(ValueError, match="n_train=10 is shorter"):
        train_transformers(
            text_config(),
            dataclasses.replace(data, train=data.train[:10]),
            (0,),
            SHORT_TEXT,
            device=CPU,
        )


def test_gradient_clipping_refuses_a_stack_it_would_couple():
    clipped = Recipe("r", 1, 1e-3, 0.0, 8, 1, 1.0, 1, 1, grad_clip=1.0)

    class ThreeModels:
        n_models = 3

    with pytest.raises(ValueError, match="couple its 3 models"):
        train_loop(torch.nn.Linear(2, 2), ThreeModels(), clipped, 1)


def test_recipe_scaling_keeps_at_least_one_step():
    scaled = CNN_RECIPE.scaled(0.1)
    assert (scaled.min_steps, scaled.max_steps, scaled.warmup_steps) == (
        150,
        800,
        10,
    )
    assert CNN_RECIPE.scaled(1.0) is CNN_RECIPE
    assert CNN_RECIPE.scaled(1e-9).min_steps == 1
    with pytest.raises(ValueError, match="step_scale must be positive"):
        CNN_RECIPE.scaled(0.0)


@pytest.mark.real_data
def test_cifar_and_shakespeare_splits(real_data_root):
    from helpers.data import load_dataset
    from helpers.data.splits import cifar_splits, shakespeare_splits

    images = cifar_splits(1_000, n_test=100)
    assert (
        images.train_x.shape == (1_000, 3, 32, 32)
        and images.train_x.dtype == torch.uint8
    )
    assert (
        images.mean.shape == images.std.shape == (1, 3, 1, 1)
        and len(images.val_y) == 5_000
    )
    pool_labels = torch.from_numpy(load_dataset("cifar10", "train")[1][:45_000])
    share = torch.bincount(pool_labels).double() / 45_000
    counts = torch.bincount(
        images.train_y
    ).double()  # each class its share of the pool, to within one
    assert (
        counts.sum() == 1_000
        and (counts - torch.round(1_000 * share)).abs().max() <= 1
    )
    with pytest.raises(ValueError, match="n_train=50000 must lie in 1..45000"):
        cifar_splits(50_000)
    small, large = (
        shakespeare_splits(10_000, n_val=500, n_test=500),
        shakespeare_splits(None, n_val=500, n_test=500),
    )
    # prefixes
    assert len(small.vocabulary) == 65 and torch.equal(
        small.train, large.train[:10_000]
    )
    assert len(small.val) == len(small.test) == 500 and not torch.equal(
        small.val, small.test
    )
    with pytest.raises(ValueError, match="90% of the corpus"):
        shakespeare_splits(2_000_000)


def test_weight_decay_reaches_weight_matrices_only_and_no_decay_makes_one_group():
    model = CharTransformer(
        TransformerConfig(
            vocab_size=7, d_model=16, n_layers=1, context=8, head_dim=16
        )
    )
    decayed, plain = adamw_optimizer(model, TRANSFORMER_RECIPE).param_groups
    names = {id(parameter): name for name, parameter in model.named_parameters()}
    assert (
        decayed["weight_decay"] == TRANSFORMER_RECIPE.weight_decay > 0
        and plain["weight_decay"] == 0
    )
    decayed_names = sorted(names[id(parameter)] for parameter in decayed["params"])
    assert decayed_names and all(
        name.endswith("weight") and "norm" not in name and "embedding" not in name
        for name in decayed_names
    )
    assert {names[id(parameter)] for parameter in plain["params"]} >= {
        "token_embedding.weight",
        "position_embedding.weight",
    }
    (only,) = adamw_optimizer(
        model, MLP_RECIPE
    ).param_groups  # MLP_RECIPE has no weight decay
    assert len(only["params"]) == len(names)


class ScriptedTask:
    """One model whose validation loss at the i-th checkpoint is ``val_losses[i]``."""

    n_models = 1

    def __init__(self, val_losses: list[float]) -> None:
        self.weight = torch.nn.Parameter(torch.ones(1))
        self.val_losses = iter(val_losses)

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.zeros(1), torch.zeros(1)

    def losses(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return (self.weight**2).reshape(1)

    def evaluate(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        value = next(self.val_losses) if split == "val" else 1.0
        return np.array([value]), np.array([0.5])


def stopped_at(val_losses: list[float], **changes) -> int:
    recipe = dataclasses.replace(
        SHORT_CNN, min_steps=100, max_steps=100, checkpoints=8, patience=2
    )
    task = ScriptedTask(val_losses)
    module = torch.nn.Module()
    module.weight = task.weight
    return train_loop(
        module, task, dataclasses.replace(recipe, **changes), 100
    ).total_steps


def test_patience_stops_a_run_only_when_it_is_clearly_past_its_best():
    steps = checkpoint_steps(100, 8)
    assert steps == [1, 2, 4, 7, 14, 27, 52, 100]
    # best at the third checkpoint; within 5% at the fourth (not counted), then twice clearly worse
    assert stopped_at([3.0, 2.0, 1.0, 1.04, 1.5, 1.6, 0.5, 0.4]) == 27
    # a bump of noise that the next checkpoint undoes never stops a run
    assert stopped_at([3.0, 2.0, 1.0, 1.2, 0.9, 1.3, 0.8, 0.7]) == 100
    # clearly worse from the start, but no stopping before a quarter of the run
    assert stopped_at([1.0, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.1]) == 27
    assert stopped_at([1.0, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.1], stop_after=0.0) == 4
    # without patience the same script runs to the end
    assert (
        stopped_at([3.0, 2.0, 1.0, 1.04, 1.5, 1.6, 0.5, 0.4], patience=None) == 100
    )
