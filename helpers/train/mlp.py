"""Training the MNIST MLP family: all seeds of a shape as one stack, on the same batches (Chapter 3).

* :func:`train_mlps`: the sweeps' engine (:func:`helpers.train.train_loop` over an
  :class:`~helpers.train.loop.ImageTask`, or a task of the caller's that evaluates more).
* :func:`sequential_mlp`, :func:`train_sequential`, :func:`class_errors`: one plain network of the
  same shape, trained briefly with Adam on random batches, for notebooks that need an ``nn.Sequential``
  (to quantise it) or a weighted loss (Chapter 10).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from helpers.data.splits import ImageSplits
from helpers.models.mlp import MLPConfig, stacked_mlp
from helpers.results import TrainingRecord
from helpers.train.loop import ImageTask, default_device, run_records, train_loop
from helpers.train.recipes import MLP_RECIPE, Recipe


def train_mlps(
    config: MLPConfig,
    data: ImageSplits,
    seeds: tuple[int, ...],
    recipe: Recipe = MLP_RECIPE,
    *,
    device: torch.device | None = None,
    order_seed: int = 0,
    n_checkpoints: int | None = None,
    augment_shift: int = 0,
    task_factory: Callable[..., ImageTask] = ImageTask,
) -> list[TrainingRecord]:
    """Train one MLP of shape ``config`` per seed (stacked, on the same batches); one record per seed.

    ``seeds`` set each model's initialisation; the order of the batches is set by ``order_seed`` and is
    the same for every seed, so a run's result does not depend on which other seeds share its stack.
    ``config.n_inputs`` must match the data's features (784 pixels, or fewer PCA features). Validation
    and test losses are recorded at ``n_checkpoints`` log-spaced steps (at least the last). With
    ``augment_shift > 0`` every training batch is shifted at random by up to that many pixels.

    ``task_factory`` builds the :class:`~helpers.train.loop.ImageTask` from
    ``(model, data, n_models, recipe, device, order_seed=, augment_shift=)``: a subclass that also
    records more at each checkpoint (Chapter 4's noise-averaged test loss) is passed here, and the
    caller keeps a reference to it to read those records. Labels are whatever ``data`` holds, so a
    corrupted or pruned training set is trained on by passing it as ``data``. (Chapter 3)
    """
    if config.n_inputs != data.train_x.shape[1]:
        raise ValueError(
            f"config.n_inputs={config.n_inputs} but the data have {data.train_x.shape[1]} "
            f"features per example; use MLPConfig(..., n_inputs={data.train_x.shape[1]})"
        )
    device = device or default_device()
    torch.manual_seed(order_seed)
    model = stacked_mlp(config, seeds).to(device)
    task = task_factory(
        model,
        data,
        len(seeds),
        recipe,
        device,
        order_seed=order_seed,
        augment_shift=augment_shift,
    )
    outcome = train_loop(
        model, task, recipe, recipe.steps_for(data.n_train), n_checkpoints
    )
    identity = {
        "family": "mlp",
        "dataset": "mnist",
        "unit": "image",
        "width": config.width,
        "depth": config.depth,
        "n_train": data.n_train,
        "order_seed": order_seed,
    }
    return run_records(
        outcome,
        seeds,
        recipe,
        config,
        identity=identity,
        models_in_stack=len(seeds),
        device=device,
    )


def sequential_mlp(config: MLPConfig) -> nn.Sequential:
    """One network of shape ``config`` as plain ``nn.Linear`` and ``nn.ReLU`` layers (Chapter 10):
    ``config.layer_sizes`` joined by ReLUs, logits out. Unlike :func:`helpers.models.stacked_mlp` it
    holds one model, which ``torch.ao.quantization.quantize_dynamic`` can convert. PyTorch's default
    initialisation, drawn from the global generator: seed it with ``torch.manual_seed`` first."""
    layers: list[nn.Module] = []
    for fan_in, fan_out in pairwise(config.layer_sizes):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def train_sequential(
    model: nn.Module,
    data: ImageSplits,
    steps: int,
    *,
    seed: int = 0,
    learning_rate: float = 1e-3,
    batch_size: int = 128,
    class_weight: torch.Tensor | None = None,
) -> nn.Module:
    """Train ``model`` (one network, on the CPU) for ``steps`` steps of Adam at a constant
    ``learning_rate``, each on ``batch_size`` training images drawn uniformly with replacement by a
    generator seeded with ``seed``; return it in eval mode (Chapter 10).

    The loss is the cross-entropy, ``-sum_i w_{y_i} ln p_{y_i} / sum_i w_{y_i}`` with the per-class
    weights ``class_weight`` (all 1 when ``None``). A brief, fixed-length run without validation or
    early stopping: for a notebook's side question, not for a scaling law (use :func:`train_mlps`).
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    cpu = torch.device("cpu")
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    model.train()
    for _ in range(steps):
        index = torch.randint(data.n_train, (batch_size,), generator=generator)
        x, y = data.train_batch(index, cpu)
        loss = F.cross_entropy(model(x), y, weight=class_weight)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return model.eval()


def class_errors(
    model: nn.Module, data: ImageSplits, n_classes: int = 10
) -> np.ndarray:
    """The test error of ``model`` on each class of ``data``'s test split, shape ``(n_classes,)``:
    the fraction of test images of class ``c`` whose most probable class is not ``c`` (Chapter 10)."""
    with torch.inference_mode():
        logits = model(data.normalise(data.test_x, torch.device("cpu")))
        wrong = (logits.argmax(1) != data.test_y).float()
    return np.array(
        [float(wrong[data.test_y == c].mean()) for c in range(n_classes)]
    )
