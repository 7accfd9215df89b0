"""Training the CIFAR-10 CNN family (:class:`helpers.models.CNN`) with the shared loop of :mod:`helpers.train`.

Each seed is trained on its own (a stack of one): stacking CNNs with ``torch.func.vmap`` turns their
convolutions into grouped convolutions, which on a CPU run slower than the same models one after another
(``python -m helpers.bench stacking`` measures both). Batches are kept in the channels-last layout, which
the CPU's convolution kernels prefer. All seeds of a call see the same batches in the same order.
"""

from __future__ import annotations

from typing import Any

import torch

from helpers.models import CNN
from helpers.train import (
    ImageSplits,
    Recipe,
    default_device,
    epoch_batches,
    evaluate,
    image_splits,
    per_model_loss,
    seed_records,
    train_loop,
)

CNN_RECIPE = Recipe(name="cnn-cifar10", version=1, learning_rate=2e-3, weight_decay=0.0, batch_size=128,
                    warmup_steps=100, epochs=40.0, min_steps=1_500, max_steps=8_000)
"""AdamW 2e-3, no weight decay, batch 128, warm-up 100 steps, 40 epochs clamped to 1,500-8,000 steps.
Checked at width 1 on 5,000 images: validation loss 1.43 after 772 steps and 1.35 after 1,500, still
falling slowly (a learning rate of 5e-3 reached 1.28; 2e-3 is kept for the wider networks)."""


def cifar_splits(n_train: int, *, n_val: int = 5_000, n_test: int | None = None, subset_seed: int = 0) -> ImageSplits:
    """CIFAR-10 through :func:`helpers.train.image_splits`: ``(n, 3, 32, 32)`` uint8 images, ``n_train``
    at most ``50000 - n_val``, per-channel statistics."""
    return image_splits("cifar10", n_train, n_val=n_val, n_test=n_test, subset_seed=subset_seed)


def train_cnns(
    width: int,
    data: ImageSplits,
    seeds: tuple[int, ...],
    recipe: Recipe = CNN_RECIPE,
    *,
    device: torch.device | None = None,
    order_seed: int = 0,
    n_checkpoints: int = 12,
) -> list[dict[str, Any]]:
    """Train one :class:`~helpers.models.CNN` of width multiplier ``width`` per seed; one record each.

    ``seeds`` set the initialisations (``torch.manual_seed(seed)`` before building the model);
    ``order_seed`` sets the batch order, the same for every seed.
    """
    device = device or default_device()
    return [record for seed in seeds
            for record in _train_one(width, seed, data, recipe, device, order_seed, n_checkpoints)]


def _train_one(width: int, seed: int, data: ImageSplits, recipe: Recipe, device: torch.device, order_seed: int,
               n_checkpoints: int) -> list[dict[str, Any]]:
    torch.manual_seed(seed)
    model = CNN(width).to(device, memory_format=torch.channels_last)
    next_indices = epoch_batches(len(data.train_y), recipe.batch_size, torch.Generator().manual_seed(order_seed))

    def logits(x: torch.Tensor) -> torch.Tensor:  # a stack of one model: (1, batch, 10)
        return model(x.contiguous(memory_format=torch.channels_last)).unsqueeze(0)

    splits = data.evaluation_sets()
    outcome = train_loop(model, 1, lambda x, y: per_model_loss(logits(x), y),
                         lambda: data.train_batch(next_indices(), device),
                         lambda split: evaluate(logits, *splits[split], data, device, chunk=500), recipe,
                         recipe.steps_for(len(data.train_y)), n_checkpoints)
    config = {"family": "cnn", "width": width, "depth": len(model.convs), "n_train": len(data.train_y)}
    return seed_records(outcome, (seed,), config, recipe, n_params=model.n_params,
                        flops_per_item=model.train_flops_per_example, items_per_step=recipe.batch_size,
                        models_in_stack=1, device=device)
