"""Benchmark: the training engine against scikit-learn and a plain PyTorch DataLoader loop (Chapter 3).

    scaling-book bench engine [--widths 16 64 256 1024] [--seeds 8]

Task: train ``seeds`` two-hidden-layer MLPs of each width for one epoch over 55,000 MNIST training images
(the other 5,000 are the engine's validation split) at batch size 128, then measure their test loss. Three ways, in one run:

* the engine: all seeds as one stacked model (:func:`helpers.train.train_mlps`), with the MLP recipe cut
  to one epoch and the peak learning rate that suits one epoch (:data:`ONE_EPOCH_LEARNING_RATE`, chosen on
  the validation split); the alternatives keep their libraries' default, Adam at 1e-3;
* scikit-learn's ``MLPClassifier(hidden_layer_sizes=(w, w), batch_size=128, max_iter=1)``, one model
  after another (its default solver, Adam);
* PyTorch with ``DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True)`` and ``nn.Sequential``,
  one model after another.

Printed per width: models trained per second by each, the ratios, the mean test loss of each (speed must
not be bought with accuracy), the engine's achieved training FLOP/s as a fraction of this machine's
float32 matrix-multiply rate, measured in the same run with a large ``torch.mm``, and the same fraction
for a step that does nothing but its matrix products and its AdamW update (:func:`ceiling_flops_per_second`).
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers.data.splits import ImageSplits, mnist_splits
from helpers.models import MLP, MLPConfig
from helpers.train import MLP_RECIPE, Recipe, train_mlps
from helpers.train.loop import adamw_optimizer

ENGINE_GOAL_SMALL, ENGINE_GOAL_LARGE = 0.60, 0.70


def matmul_flops_per_second(size: int = 2048, repeats: int = 10) -> float:
    """float32 FLOP/s of ``torch.mm`` on two ``size x size`` matrices (best of ``repeats``).
    (Chapter 3: the engine benchmark)"""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - began)
    return 2 * size**3 / best


def step_products(width: int, seeds: int, batch: int = 128) -> Callable[[], None]:
    """The matrix products of one training step of the engine's stack of two-hidden-layer MLPs, at their
    real shapes, on random data: the forward products, the weight gradients, and the input gradients of
    layers 2 and 3 (none for the images). Their FLOPs are ``seeds * batch * MLPConfig(width, 2).train_flops_per_unit``.
    (Chapter 3: the engine benchmark)"""
    x = torch.randn(batch, 784)
    first_weight, first_bias = (
        torch.randn(784, seeds * width),
        torch.randn(seeds * width),
    )
    hidden = torch.randn(seeds, batch, width)
    middle, last = torch.randn(seeds, width, width), torch.randn(seeds, width, 10)
    grad_out, grad_hidden = (
        torch.randn(seeds, batch, 10),
        torch.randn(seeds, batch, width),
    )
    grad_first = torch.randn(batch, seeds * width)

    def products() -> None:
        torch.addmm(first_bias, x, first_weight)
        torch.bmm(hidden, middle), torch.bmm(hidden, last)
        (
            torch.bmm(hidden.transpose(1, 2), grad_out),
            torch.bmm(grad_out, last.transpose(1, 2)),
        )
        (
            torch.bmm(hidden.transpose(1, 2), grad_hidden),
            torch.bmm(grad_hidden, middle.transpose(1, 2)),
        )
        torch.mm(x.T, grad_first)

    return products


def adamw_update(width: int, seeds: int) -> Callable[[], None]:
    """One AdamW update of the engine's stack of ``seeds`` two-hidden-layer MLPs of ``width``, with the
    engine's optimizer (:func:`helpers.train.loop.adamw_optimizer`), on random gradients. Each of its
    ``P = seeds * MLPConfig(width, 2).n_params`` parameters is read with its gradient and two moments and
    written back: about ``28 P`` bytes of memory traffic per step, against about ``6 P`` FLOPs of matrix
    products per example, so the update's share of a step shrinks only as the batch grows.
    (Chapter 3: the engine benchmark)"""
    model = MLP(MLPConfig(width, 2), n_models=seeds)
    for parameter in model.parameters():
        parameter.grad = torch.randn_like(parameter)
    optimizer = adamw_optimizer(model, MLP_RECIPE)
    return optimizer.step


def ceiling_flops_per_second(
    width: int, seeds: int, batch: int = 128, repeats: int = 20
) -> float:
    """Training FLOP/s of a step that does nothing but :func:`step_products` and :func:`adamw_update`,
    timed alone (best of ``repeats``). An engine that computes these products at these shapes and updates
    with PyTorch's fused AdamW cannot run faster; everything between its rate and this one is its own
    overhead (autograd, element-wise work, data). The gap between this and the big ``torch.mm`` rate is
    what small matrices and the optimizer's memory traffic cost on this machine (Chapter 3: the engine benchmark)."""
    products, update = (
        step_products(width, seeds, batch),
        adamw_update(width, seeds),
    )
    products(), update()
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        products()
        update()
        best = min(best, time.perf_counter() - began)
    return seeds * batch * MLPConfig(width, 2).train_flops_per_unit / best


def _float_features(data: ImageSplits) -> tuple[np.ndarray, np.ndarray]:
    cpu = torch.device("cpu")
    return data.normalise(data.train_x, cpu).numpy(), data.normalise(
        data.test_x, cpu
    ).numpy()


ONE_EPOCH_LEARNING_RATE = 5e-3
"""The engine's peak learning rate for the one-epoch task, chosen on the validation split by
``scaling-book bench engine-lr``: of 2e-3, 5e-3, 1e-2 and 2e-2 it is the rate whose validation loss is
never more than 13% above the best rate's at any width, the smallest such margin (measured 0.191/0.106/
0.076/0.069 nats at widths 16/64/256/1024). The sweeps' recipe (2e-3) is tuned for 20 epochs; at one epoch it leaves loss on the table."""


def one_epoch_recipe(learning_rate: float = ONE_EPOCH_LEARNING_RATE) -> Recipe:
    """The MLP recipe shortened to exactly one epoch, with a 10-step warm-up and the given peak rate.
    (Chapter 3: the engine benchmark)"""
    return dataclasses.replace(
        MLP_RECIPE,
        learning_rate=learning_rate,
        epochs=1.0,
        min_steps=1,
        max_steps=10**9,
        warmup_steps=10,
    )


def run_learning_rate_scan(
    widths: tuple[int, ...] = (16, 64, 256, 1024),
    rates: tuple[float, ...] = (2e-3, 5e-3, 1e-2, 2e-2),
    seeds: int = 8,
) -> float:
    """Print the mean validation loss of ``seeds`` engine-trained MLPs for each width and peak rate of
    :func:`one_epoch_recipe`, and return the rate with the smallest :func:`worst_excess_over_best`.
    (Chapter 3: the engine benchmark)"""
    data = mnist_splits(55_000, n_val=5_000)
    print(
        f"mean validation loss (nats) after one epoch, {seeds} models each\n{'width':>6}"
        + "".join(f"{rate:>10.0e}" for rate in rates)
    )
    losses = np.empty((len(widths), len(rates)))
    for i, width in enumerate(widths):
        for j, rate in enumerate(rates):
            records = train_mlps(
                MLPConfig(width, 2),
                data,
                tuple(range(seeds)),
                one_epoch_recipe(rate),
                device=torch.device("cpu"),
                n_checkpoints=1,
            )
            losses[i, j] = np.mean(
                [record["curve"][-1]["val_loss"] for record in records]
            )
        print(
            f"{width:>6}" + "".join(f"{loss:>10.3f}" for loss in losses[i]),
            flush=True,
        )
    worst_excess = worst_excess_over_best(losses)
    chosen = rates[int(np.argmin(worst_excess))]
    print(
        "worst excess over the best rate: "
        + ", ".join(
            f"{rate:.0e}: {excess:.0%}" for rate, excess in zip(rates, worst_excess)
        )
        + f"\nchosen: {chosen:.0e}"
    )
    return chosen


def worst_excess_over_best(losses: np.ndarray) -> np.ndarray:
    """For a table ``losses[width, rate]``, each rate's largest relative excess over the best rate of a
    width: ``max_w (losses[w, r] / min_r' losses[w, r']) - 1``, shape ``(n_rates,)``.
    (Chapter 3: the engine benchmark)"""
    return (losses / losses.min(axis=1, keepdims=True)).max(axis=0) - 1


def time_engine(width: int, seeds: int, data: ImageSplits) -> tuple[float, float]:
    """Seconds to train the stack for one epoch, and the mean test loss (Chapter 3: the engine benchmark)."""
    one_epoch = one_epoch_recipe()
    # first-call costs are not training
    warm_up = dataclasses.replace(one_epoch, min_steps=5, max_steps=5)
    train_mlps(
        MLPConfig(width, 2),
        data,
        tuple(range(seeds)),
        warm_up,
        device=torch.device("cpu"),
        n_checkpoints=1,
    )
    began = time.perf_counter()
    records = train_mlps(
        MLPConfig(width, 2),
        data,
        tuple(range(seeds)),
        one_epoch,
        device=torch.device("cpu"),
        n_checkpoints=1,
    )
    seconds = time.perf_counter() - began
    return seconds, float(np.mean([record["test_loss"] for record in records]))


def time_sklearn(width: int, seeds: int, data: ImageSplits) -> tuple[float, float]:
    """Seconds for scikit-learn's MLPClassifier to train ``seeds`` models for one epoch, one after another, and
    their mean test loss (Chapter 3: the engine benchmark)."""
    train, test = _float_features(data)
    losses, began = [], time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch is the task
        for seed in range(seeds):
            model = MLPClassifier(
                (width, width), batch_size=128, max_iter=1, random_state=seed
            )
            model.fit(train, data.train_y.numpy())
            losses.append(
                log_loss(
                    data.test_y.numpy(),
                    model.predict_proba(test),
                    labels=list(range(10)),
                )
            )
    return time.perf_counter() - began, float(np.mean(losses))


def time_dataloader(
    width: int, seeds: int, data: ImageSplits
) -> tuple[float, float]:
    """Seconds for a plain PyTorch loop over a DataLoader to train ``seeds`` models for one epoch, one after
    another, and their mean test loss (Chapter 3: the engine benchmark)."""
    train, test = (torch.from_numpy(x) for x in _float_features(data))
    losses, began = [], time.perf_counter()
    for seed in range(seeds):
        torch.manual_seed(seed)
        model = nn.Sequential(
            nn.Linear(784, width),
            nn.ReLU(),
            nn.Linear(width, width),
            nn.ReLU(),
            nn.Linear(width, 10),
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for x, y in DataLoader(
            TensorDataset(train, data.train_y), batch_size=128, shuffle=True
        ):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        with torch.no_grad():
            losses.append(
                float(nn.functional.cross_entropy(model(test), data.test_y))
            )
    return time.perf_counter() - began, float(np.mean(losses))


def run_engine_benchmark(
    widths: tuple[int, ...] = (16, 64, 256, 1024), seeds: int = 8
) -> None:
    """Print the comparison table described in the module docstring (Chapter 3: the engine benchmark)."""
    data = mnist_splits(55_000, n_val=5_000)
    peak = matmul_flops_per_second()
    print(
        f"task: {seeds} two-hidden-layer MLPs per width, one epoch of {data.n_train:,} MNIST images, "
        f"batch 128; float32 matmul rate of this machine: {peak / 1e9:.0f} GFLOP/s ({torch.get_num_threads()} "
        f"threads)\n"
    )
    header = (
        f"{'width':>6}{'engine':>10}{'sklearn':>10}{'DataLoader':>12}{'vs sklearn':>12}{'vs loop':>9}"
        f"{'test loss e/s/d':>22}{'engine GFLOP/s':>16}{'of peak':>9}{'ceiling':>9}{'of ceiling':>12}"
    )
    print(f"{'':>6}{'models trained per second':^32}\n{header}")
    for width in widths:
        engine_s, engine_loss = time_engine(width, seeds, data)
        sklearn_s, sklearn_loss = time_sklearn(width, seeds, data)
        loop_s, loop_loss = time_dataloader(width, seeds, data)
        flops = seeds * MLPConfig(width, 2).train_flops_per_unit * data.n_train
        rate = flops / engine_s
        ceiling = ceiling_flops_per_second(width, seeds)
        print(
            f"{width:>6}{seeds / engine_s:>10.2f}{seeds / sklearn_s:>10.2f}{seeds / loop_s:>12.2f}"
            f"{sklearn_s / engine_s:>11.1f}x{loop_s / engine_s:>8.1f}x"
            f"{f'{engine_loss:.3f}/{sklearn_loss:.3f}/{loop_loss:.3f}':>22}{rate / 1e9:>16.1f}{rate / peak:>9.0%}"
            f"{ceiling / peak:>9.0%}{rate / ceiling:>12.0%}"
        )
    print(
        f"\ngoal: the engine at >= {ENGINE_GOAL_SMALL:.0%} of the matmul rate at every width and >= "
        f"{ENGINE_GOAL_LARGE:.0%} from width 256, never slower than either alternative.\n'ceiling': the rate of "
        "a step that only does its matrix products and its AdamW update, timed alone at their real shapes, "
        "as a share of the matmul rate: the most an engine using these products and PyTorch's AdamW could reach"
    )
