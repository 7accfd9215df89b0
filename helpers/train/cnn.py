"""Training the CIFAR-10 CNN family (:class:`helpers.models.CNN`) with the shared loop (Chapter 3).

Each seed is trained on its own (a stack of one): stacking CNNs with ``torch.func.vmap`` turns their
convolutions into grouped convolutions, which on a CPU run slower than the same models one after another
(``scaling-book bench stacking`` measures both). Batches are kept in the channels-last layout, which
the CPU's convolution kernels prefer. All seeds of a call see the same batches in the same order.
"""

from __future__ import annotations

import torch

from helpers.data.splits import ImageSplits
from helpers.models.cnn import CNN, CNN_DEPTH, CNNConfig
from helpers.results import TrainingRecord
from helpers.train.loop import ImageTask, default_device, train_one_at_a_time
from helpers.train.recipes import CNN_RECIPE, Recipe


def train_cnns(
    config: CNNConfig,
    data: ImageSplits,
    seeds: tuple[int, ...],
    recipe: Recipe = CNN_RECIPE,
    *,
    device: torch.device | None = None,
    order_seed: int = 0,
    n_checkpoints: int | None = None,
) -> list[TrainingRecord]:
    """Train one :class:`~helpers.models.CNN` of shape ``config`` per seed, one after another; one record each.

    ``seeds`` set the initialisations (``torch.manual_seed(seed)`` before building the model);
    ``order_seed`` sets the batch order, the same for every seed.
    (Chapter 3)
    """
    device = device or default_device()
    identity = {
        "family": "cnn",
        "dataset": "cifar10",
        "unit": "image",
        "width": config.width,
        "depth": CNN_DEPTH,
        "n_train": data.n_train,
        "order_seed": order_seed,
    }

    def build() -> tuple[CNN, ImageTask]:
        model = CNN(config).to(device, memory_format=torch.channels_last)

        def logits(
            x: torch.Tensor,
        ) -> torch.Tensor:  # a stack of one: (1, batch, 10)
            return model(x.contiguous(memory_format=torch.channels_last)).unsqueeze(
                0
            )

        return model, ImageTask(
            logits, data, 1, recipe, device, order_seed=order_seed, eval_chunk=500
        )

    return train_one_at_a_time(
        build,
        seeds,
        recipe,
        data.n_train,
        config,
        identity=identity,
        device=device,
        n_checkpoints=n_checkpoints,
    )
