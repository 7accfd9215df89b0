"""Training the MNIST MLP family: all seeds of a shape as one stack, on the same batches (Chapter 3)."""

from __future__ import annotations

import torch

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
) -> list[TrainingRecord]:
    """Train one MLP of shape ``config`` per seed (stacked, on the same batches); one record per seed.

    ``seeds`` set each model's initialisation; the order of the batches is set by ``order_seed`` and is
    the same for every seed, so a run's result does not depend on which other seeds share its stack.
    ``config.n_inputs`` must match the data's features (784 pixels, or fewer PCA features). Validation
    and test losses are recorded at ``n_checkpoints`` log-spaced steps (at least the last). With
    ``augment_shift > 0`` every training batch is shifted at random by up to that many pixels.
    (Chapter 3)
    """
    if config.n_inputs != data.train_x.shape[1]:
        raise ValueError(
            f"config.n_inputs={config.n_inputs} but the data have {data.train_x.shape[1]} "
            f"features per example; use MLPConfig(..., n_inputs={data.train_x.shape[1]})"
        )
    device = device or default_device()
    torch.manual_seed(order_seed)
    model = stacked_mlp(config, seeds).to(device)
    task = ImageTask(
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
