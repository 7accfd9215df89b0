"""Benchmark: the course's CNN and transformer training against the plain PyTorch loop a learner would write.

    scaling-book bench cnn [--widths 1 2 4] [--steps 200] [--n-train 10000]
    scaling-book bench transformer [--widths 32 64 128] [--steps 200]

Both sides train the same architecture with the same recipe (the family's AdamW, warm-up and cosine
schedule, cut to ``steps`` steps), one model at a time, from the same initialisation, and are then
evaluated on the same test split:

* the course: :func:`helpers.train.train_cnns` / :func:`helpers.train.train_transformers` (uint8 data kept
  in memory and normalised per batch, batches gathered with ``index_select``, channels-last convolutions,
  one evaluation at the end);
* the plain loop: the data converted to float once, ``DataLoader(TensorDataset(x, y), batch_size,
  shuffle=True)``, the default memory layout (for the transformer: the text cut into non-overlapping
  windows of ``context + 1`` characters, shuffled by the ``DataLoader``).

Printed per width: training units (images or characters) per second of each, their ratio, the test loss
of each (speed must not be bought with accuracy), and the course's FLOP rate as a share of a *ceiling*:
the step's convolutions or matrix products alone, timed at their real shapes (:func:`cnn_ceiling`,
:func:`transformer_ceiling`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from helpers.data.splits import (
    ImageSplits,
    TextSplits,
    cifar_splits,
    shakespeare_splits,
    windows,
)
from helpers.models import CNN, CharTransformer, CNNConfig, TransformerConfig
from helpers.train import (
    CNN_RECIPE,
    TRANSFORMER_RECIPE,
    Recipe,
    train_cnns,
    train_transformers,
)
from helpers.train.loop import adamw_optimizer

CPU = torch.device("cpu")


def fixed_steps(recipe: Recipe, steps: int) -> Recipe:
    """``recipe`` cut to exactly ``steps`` steps, with a warm-up of a tenth of them (Chapter 4: the
    family benchmarks)."""
    return dataclasses.replace(
        recipe, min_steps=steps, max_steps=steps, warmup_steps=max(1, steps // 10)
    )


def _best_seconds(step: Callable[[], None], repeats: int) -> float:
    step()  # first calls allocate and pick kernels
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - began)
    return best


def cnn_step_convolutions(
    config: CNNConfig, batch: int = 128
) -> Callable[[], None]:
    """One CNN training step's convolutions alone, on random data at their real shapes in channels-last:
    each layer's forward and weight gradient, and the input gradient of every layer but the first. Their
    FLOPs are ``batch * config.train_flops_per_unit`` less the tiny final linear layer's (Chapter 4: the
    family benchmarks)."""
    channels, sides = [3] + config.channels, (32, 32, 16, 16, 8)
    layers = []
    for c_in, c_out, side in zip(channels, channels[1:], sides):
        x = torch.randn(batch, c_in, side, side).contiguous(
            memory_format=torch.channels_last
        )
        weight = torch.randn(c_out, c_in, 3, 3).contiguous(
            memory_format=torch.channels_last
        )
        grad = torch.randn(batch, c_out, side, side).contiguous(
            memory_format=torch.channels_last
        )
        layers.append((x, weight, grad))

    def convolutions() -> None:
        for index, (x, weight, grad) in enumerate(layers):
            F.conv2d(x, weight, padding=1)
            torch.nn.grad.conv2d_weight(x, weight.shape, grad, padding=1)
            if index > 0:
                torch.nn.grad.conv2d_input(x.shape, weight, grad, padding=1)

    return convolutions


def cnn_convolution_flops(config: CNNConfig, batch: int = 128) -> int:
    """The FLOPs of :func:`cnn_step_convolutions` (Chapter 4: the family benchmarks)."""
    return batch * (config.train_flops_per_unit - 6 * config.channels[-1] * 10)


def cnn_ceiling(config: CNNConfig, batch: int = 128, repeats: int = 5) -> float:
    """FLOP/s of :func:`cnn_step_convolutions`, best of ``repeats`` (Chapter 4: the family benchmarks)."""
    return cnn_convolution_flops(config, batch) / _best_seconds(
        cnn_step_convolutions(config, batch), repeats
    )


def transformer_step_products(
    config: TransformerConfig, batch: int = 32
) -> Callable[[], None]:
    """One transformer training step's matrix products alone, on random data at their real shapes: every
    weight product forward with its input and weight gradients, and attention's scores and weighted
    values, forward and backward. Their FLOPs are ``batch * context * config.train_flops_per_unit``
    (Chapter 4: the family benchmarks)."""
    d, t, v, heads = (
        config.d_model,
        config.context,
        config.vocab_size,
        config.n_heads,
    )
    rows = batch * t
    shapes = [
        (rows, d, 3 * d),
        (rows, d, d),
        (rows, d, 4 * d),
        (rows, 4 * d, d),
    ] * config.n_layers
    shapes.append((rows, d, v))  # the tied output layer
    mats = [
        (torch.randn(m, k), torch.randn(k, n), torch.randn(m, n))
        for m, k, n in shapes
    ]
    per_head = torch.randn(batch * heads, t, d // heads)
    scores = torch.randn(batch * heads, t, t)

    def products() -> None:
        for a, b, grad in mats:
            # forward, input gradient, weight gradient
            (
                a @ b,
                grad @ b.T,
                a.T @ grad,
            )
        # scores and weighted values: forward and two gradients each
        for _ in range(3 * config.n_layers):
            (
                torch.bmm(per_head, per_head.transpose(1, 2)),
                torch.bmm(scores, per_head),
            )

    return products


def transformer_ceiling(
    config: TransformerConfig, batch: int = 32, repeats: int = 5
) -> float:
    """FLOP/s of :func:`transformer_step_products`, best of ``repeats`` (Chapter 4: the family benchmarks)."""
    flops = batch * config.context * config.train_flops_per_unit
    return flops / _best_seconds(transformer_step_products(config, batch), repeats)


def train_plain_loop(
    model: torch.nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    recipe: Recipe,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> float:
    """Train ``model`` for ``recipe.max_steps`` steps the way a learner would write it: a ``DataLoader``
    over a ``TensorDataset``, shuffled, incomplete batches dropped, the recipe's AdamW and schedule, and
    gradient clipping if the recipe has it. Returns the seconds it took (Chapter 4: the family
    benchmarks)."""
    # no full batch: the loop would never take a step
    if len(inputs) < recipe.batch_size:
        raise ValueError(
            f"{len(inputs)} training examples make no full batch of {recipe.batch_size}; "
            "use more data or a smaller batch_size"
        )
    optimizer = adamw_optimizer(model, recipe)
    peak, total = recipe.learning_rate, recipe.max_steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: recipe.learning_rate_at(step, total) / peak
    )
    loader = DataLoader(
        TensorDataset(inputs, targets),
        batch_size=recipe.batch_size,
        shuffle=True,
        drop_last=True,
    )
    began, step = time.perf_counter(), 0
    while step < total:
        for x, y in loader:
            optimizer.zero_grad()
            loss(model(x), y).backward()
            if recipe.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.grad_clip)
            optimizer.step()
            schedule.step()
            step += 1
            if step == total:
                break
    return time.perf_counter() - began


def plain_cnn_loop(
    config: CNNConfig, data: ImageSplits, recipe: Recipe, seed: int = 0
) -> tuple[float, float]:
    """Seconds to train one CNN with :func:`train_plain_loop` over float images, converted once,
    and its test loss (Chapter 4: the family benchmarks)."""
    train_x = data.normalise(data.train_x, CPU)  # float32 (n, 3, 32, 32)
    torch.manual_seed(seed)
    model = CNN(config)
    seconds = train_plain_loop(
        model, train_x, data.train_y, recipe, F.cross_entropy
    )
    test_x = data.normalise(data.test_x, CPU)
    with torch.no_grad():
        chunks = zip(test_x.split(500), data.test_y.split(500))
        total = sum(
            float(F.cross_entropy(model(x), y, reduction="sum")) for x, y in chunks
        )
    return seconds, total / len(data.test_y)


def _per_character_loss(
    logits: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten())


def plain_transformer_loop(
    config: TransformerConfig, data: TextSplits, recipe: Recipe, seed: int = 0
) -> tuple[float, float]:
    """Seconds to train one transformer with :func:`train_plain_loop` over non-overlapping windows,
    and its test loss in nats per character (Chapter 4: the family benchmarks)."""
    inputs, targets = windows(data.train, config.context)
    torch.manual_seed(seed)
    model = CharTransformer(config)
    seconds = train_plain_loop(model, inputs, targets, recipe, _per_character_loss)
    test_inputs, test_targets = windows(data.test, config.context)
    with torch.no_grad():
        loss = float(_per_character_loss(model(test_inputs), test_targets))
    return seconds, loss


def _course_run(records: list[dict]) -> tuple[float, float]:
    (record,) = records
    return record["wall_seconds"], record["test_loss"]


def run_cnn_benchmark(
    widths: tuple[int, ...] = (1, 2, 4), steps: int = 200, n_train: int = 10_000
) -> None:
    """Print the CNN table described in the module docstring (Chapter 4: the family benchmarks)."""
    data = cifar_splits(n_train, n_test=2_000)
    recipe = fixed_steps(CNN_RECIPE, steps)
    print(
        f"CIFAR-10 CNN, one model per width, {steps} steps of {recipe.batch_size} images from {n_train:,}; "
        f"test loss on {len(data.test_y):,} images; {torch.get_num_threads()} threads\n"
    )
    print(
        f"{'width':>6}{'course img/s':>14}{'plain img/s':>13}{'speed-up':>10}{'test loss c/p':>16}"
        f"{'course GFLOP/s':>16}{'ceiling':>9}{'of ceiling':>12}"
    )
    for width in widths:
        config = CNNConfig(width)
        course_s, course_loss = _course_run(
            train_cnns(config, data, (0,), recipe, device=CPU, n_checkpoints=1)
        )
        plain_s, plain_loss = plain_cnn_loop(config, data, recipe)
        images = steps * recipe.batch_size
        rate = images * config.train_flops_per_unit / course_s
        ceiling = cnn_ceiling(config, recipe.batch_size)
        print(
            f"{width:>6}{images / course_s:>14.0f}{images / plain_s:>13.0f}{plain_s / course_s:>9.2f}x"
            f"{f'{course_loss:.3f}/{plain_loss:.3f}':>16}{rate / 1e9:>16.1f}{ceiling / 1e9:>9.1f}"
            f"{rate / ceiling:>12.0%}"
        )
    print(
        "\ncourse time includes its one evaluation pass over the validation and test splits; the plain "
        "loop's excludes its test evaluation"
    )


def run_transformer_benchmark(
    widths: tuple[int, ...] = (32, 64, 128),
    steps: int = 200,
    n_layers: int = 2,
    n_train: int = 250_000,
) -> None:
    """Print the transformer table described in the module docstring (Chapter 4: the family benchmarks)."""
    data = shakespeare_splits(n_train, n_val=20_000, n_test=20_000)
    recipe = fixed_steps(TRANSFORMER_RECIPE, steps)
    assert recipe.context is not None
    print(
        f"Tiny Shakespeare transformer, {n_layers} blocks, {steps} steps of {recipe.batch_size} x "
        f"{recipe.context} characters from {n_train:,}; {torch.get_num_threads()} threads\n"
    )
    print(
        f"{'d_model':>8}{'course char/s':>15}{'plain char/s':>14}{'speed-up':>10}{'test loss c/p':>16}"
        f"{'course GFLOP/s':>16}{'ceiling':>9}{'of ceiling':>12}"
    )
    for width in widths:
        config = TransformerConfig(
            len(data.vocabulary), width, n_layers, recipe.context
        )
        course_s, course_loss = _course_run(
            train_transformers(
                config, data, (0,), recipe, device=CPU, n_checkpoints=1
            )
        )
        plain_s, plain_loss = plain_transformer_loop(config, data, recipe)
        characters = steps * recipe.units_per_step
        rate = characters * config.train_flops_per_unit / course_s
        ceiling = transformer_ceiling(config, recipe.batch_size)
        print(
            f"{width:>8}{characters / course_s:>15.0f}{characters / plain_s:>14.0f}{plain_s / course_s:>9.2f}x"
            f"{f'{course_loss:.3f}/{plain_loss:.3f}':>16}{rate / 1e9:>16.1f}{ceiling / 1e9:>9.1f}"
            f"{rate / ceiling:>12.0%}"
        )
    print(
        "\ncourse time includes its one evaluation pass over the validation and test splits; the plain "
        "loop's excludes its test evaluation"
    )
