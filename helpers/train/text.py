"""Training the character-level transformer family on Tiny Shakespeare with the shared loop (Chapter 3).

A training batch is ``batch_size`` windows of ``context + 1`` characters starting at random offsets
(seeded) in the training characters; the model predicts each window's characters 2 to ``context + 1``
from those before. Held-out loss is the mean cross-entropy per character over non-overlapping windows,
in nats. Each seed trains on its own: stacking small transformers with ``vmap`` changes the speed on a
CPU by no more than about a fifth either way (``scaling-book bench stacking``), and gradient clipping
must see each model's own gradient.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from helpers.data.splits import TextSplits, windows
from helpers.models.transformer import CharTransformer, TransformerConfig
from helpers.results import TrainingRecord
from helpers.train.loop import default_device, train_one_at_a_time
from helpers.train.recipes import TRANSFORMER_RECIPE, Recipe


@torch.no_grad()
def evaluate_text(
    model: CharTransformer,
    tokens: torch.Tensor,
    device: torch.device,
    chunk: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy per character (nats) and next-character accuracy over the non-overlapping
    windows of ``tokens``, as arrays ``(1,)`` (Chapter 3)."""
    inputs, targets = windows(tokens, model.config.context)
    total_loss, correct = 0.0, 0.0
    for start in range(0, len(inputs), chunk):
        x, y = (
            inputs[start : start + chunk].to(device),
            targets[start : start + chunk].to(device),
        )
        logits = model(x)  # (chunk, context, vocabulary)
        total_loss += float(
            F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum")
        )
        correct += float((logits.argmax(dim=-1) == y).sum())
    return np.array([total_loss / targets.numel()]), np.array(
        [correct / targets.numel()]
    )


class TextTask:
    """A language model's :class:`~helpers.train.loop.Task` (Chapter 3): random windows of the training
    characters, drawn with a generator seeded by ``order_seed``, and per-character evaluation."""

    n_models = 1

    def __init__(
        self,
        model: CharTransformer,
        data: TextSplits,
        recipe: Recipe,
        device: torch.device,
        *,
        order_seed: int = 0,
    ) -> None:
        self.model, self.data, self.device, self.batch_size = (
            model,
            data,
            device,
            recipe.batch_size,
        )
        self.context = model.config.context
        self.generator = torch.Generator().manual_seed(order_seed)
        self.offsets = torch.arange(self.context + 1)
        self.splits = data.evaluation_sets()

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(
            0,
            self.data.n_train - self.context,
            (self.batch_size, 1),
            generator=self.generator,
        )
        window = self.data.train[starts + self.offsets]  # (batch, context + 1)
        return window[:, :-1].to(self.device), window[:, 1:].to(self.device)

    def losses(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(
            self.model(inputs).flatten(0, 1), targets.flatten()
        ).unsqueeze(0)

    def evaluate(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        return evaluate_text(self.model, self.splits[split], self.device)


def train_transformers(
    config: TransformerConfig,
    data: TextSplits,
    seeds: tuple[int, ...],
    recipe: Recipe = TRANSFORMER_RECIPE,
    *,
    device: torch.device | None = None,
    order_seed: int = 0,
    n_checkpoints: int | None = None,
) -> list[TrainingRecord]:
    """Train one :class:`~helpers.models.CharTransformer` of shape ``config`` per seed; one record each.

    Steps follow ``recipe.steps_for(n_train / context)`` (epochs counted in characters). Records count
    data in characters (``n_train``, ``units_seen``) and give both the total and the non-embedding
    parameter count (``n_params``, ``n_params_non_embedding``).
    (Chapter 3)
    """
    if recipe.context != config.context:
        raise ValueError(
            f"recipe {recipe.name!r} trains on windows of {recipe.context} characters but the model's "
            f"context is {config.context}; build TransformerConfig(..., context={recipe.context})"
        )
    if config.vocab_size != len(data.vocabulary):
        raise ValueError(
            f"config.vocab_size={config.vocab_size} but the text has {len(data.vocabulary)} "
            f"characters; use TransformerConfig(vocab_size={len(data.vocabulary)}, ...)"
        )
    if data.n_train < config.context + 1:
        raise ValueError(
            f"n_train={data.n_train} is shorter than one window of {config.context + 1} characters"
        )
    device = device or default_device()
    identity = {
        "family": "transformer",
        "dataset": "tinyshakespeare",
        "unit": "character",
        "width": config.d_model,
        "depth": config.n_layers,
        "n_train": data.n_train,
        "order_seed": order_seed,
    }

    def build() -> tuple[CharTransformer, TextTask]:
        model = CharTransformer(config).to(device)
        return model, TextTask(model, data, recipe, device, order_seed=order_seed)

    return train_one_at_a_time(
        build,
        seeds,
        recipe,
        data.n_train // config.context,
        config,
        identity=identity,
        device=device,
        n_checkpoints=n_checkpoints,
    )
