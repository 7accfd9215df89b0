"""Training the character-level transformer family (:class:`helpers.transformer.CharTransformer`) on Tiny
Shakespeare, with the shared loop of :mod:`helpers.train`.

The corpus is split by position, never shuffled: the first 90% is the training pool (a run on ``n_train``
tokens uses its first ``n_train``, so smaller sets are prefixes of larger ones), the next 5% validation,
the last 5% test. A training batch is ``batch_size`` windows of ``context + 1`` characters starting at
random offsets (seeded); the model predicts each window's characters 2 to ``context + 1`` from those before.
Held-out loss is the mean cross-entropy per character over non-overlapping windows, in nats.

The shape of a model is ``d_model`` (``width``) and ``n_layers`` (``depth``); heads have
:data:`HEAD_DIM` dimensions each, so ``n_heads = d_model / 16``. Each seed trains on its own: stacking
small transformers with ``vmap`` changes the speed on a CPU by no more than about a fifth either way
(``python -m helpers.bench stacking``), and gradient clipping must see each model's own gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from helpers.data import load_text
from helpers.train import Recipe, default_device, seed_records, train_loop
from helpers.transformer import CharTransformer

TRANSFORMER_RECIPE = Recipe(name="transformer-shakespeare", version=1, learning_rate=2e-3, weight_decay=0.1,
                            batch_size=32, warmup_steps=100, epochs=20.0, min_steps=1_000, max_steps=10_000,
                            beta2=0.99, grad_clip=1.0, context=64)
"""AdamW 2e-3 (beta2 0.99, weight decay 0.1 on matrices), gradient norm clipped at 1, 32 windows of 64
characters per step, warm-up 100 steps, 20 epochs (in characters) clamped to 1,000-10,000 steps.
Checked with ``d_model`` 64 and 2 blocks on 250,000 characters: validation loss 2.22 after 700 steps,
2.11 after 1,449 and 2.05 after 3,000 (the recipe gives 2,442 steps there)."""

HEAD_DIM = 16

TRAIN_EVAL_TOKENS = 65_536
"""The training loss and accuracy of a record are measured on the first this many training characters."""


@dataclass(frozen=True)
class TextSplits:
    """Token ids (int64) of the three splits and the vocabulary (the sorted characters of the corpus)."""

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    vocabulary: str


def encode(text: str, vocabulary: str) -> torch.Tensor:
    """Character ids of ``text`` under ``vocabulary``; an unknown character is an error that names it."""
    index = {char: i for i, char in enumerate(vocabulary)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(f"characters {unknown[:5]!r} are not in the vocabulary of {len(vocabulary)} characters")
    return torch.tensor([index[char] for char in text], dtype=torch.int64)


def shakespeare_splits(n_train: int | None = None, *, n_heldout: int | None = None) -> TextSplits:
    """Tiny Shakespeare split 90/5/5 by position; the first ``n_train`` training characters (all when
    ``None``) and the first ``n_heldout`` characters of validation and of test (all when ``None``)."""
    text = load_text("tinyshakespeare")
    vocabulary = "".join(sorted(set(text)))
    tokens = encode(text, vocabulary)
    train_end, val_end = int(0.9 * len(tokens)), int(0.95 * len(tokens))
    n_train = train_end if n_train is None else n_train
    if not 0 < n_train <= train_end:
        raise ValueError(f"n_train={n_train} must lie in 1..{train_end:,} (90% of the corpus)")
    val, test = tokens[train_end:val_end], tokens[val_end:]
    return TextSplits(tokens[:n_train], val[:n_heldout], test[:n_heldout], vocabulary)


def windows(tokens: torch.Tensor, context: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Non-overlapping ``(inputs, targets)`` windows ``(n, context)``; targets are inputs shifted by one."""
    n = (len(tokens) - 1) // context
    if n < 1:
        raise ValueError(f"{len(tokens)} tokens make no window of {context} + 1; use at least {context + 1}")
    return tokens[:n * context].view(n, context), tokens[1:n * context + 1].view(n, context)


@torch.no_grad()
def evaluate_text(model: CharTransformer, tokens: torch.Tensor, context: int, device: torch.device,
                  chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy per character (nats) and next-character accuracy, as arrays ``(1,)``."""
    inputs, targets = windows(tokens, context)
    total_loss, correct = 0.0, 0.0
    for start in range(0, len(inputs), chunk):
        x, y = inputs[start:start + chunk].to(device), targets[start:start + chunk].to(device)
        logits = model(x)
        total_loss += float(F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum"))
        correct += float((logits.argmax(dim=-1) == y).sum())
    return np.array([total_loss / targets.numel()]), np.array([correct / targets.numel()])


def train_transformers(
    d_model: int,
    n_layers: int,
    data: TextSplits,
    seeds: tuple[int, ...],
    recipe: Recipe = TRANSFORMER_RECIPE,
    *,
    device: torch.device | None = None,
    order_seed: int = 0,
    n_checkpoints: int = 12,
) -> list[dict[str, Any]]:
    """Train one :class:`~helpers.transformer.CharTransformer` per seed; one record each.

    Steps follow ``recipe.steps_for(n_train / context)`` (epochs counted in characters). Records count
    FLOPs and training progress in tokens (``flops_per_token``, ``curve[i]["tokens"]``) and give both
    the total and the non-embedding parameter count (``n_params``, ``n_params_non_embedding``).
    """
    if recipe.context is None:
        raise ValueError(f"recipe {recipe.name!r} has no context length; use a language-model recipe such as "
                         "TRANSFORMER_RECIPE")
    if d_model % HEAD_DIM:
        raise ValueError(f"d_model={d_model} must be a multiple of the head size {HEAD_DIM}")
    if len(data.train) < recipe.context + 1:
        raise ValueError(f"n_train={len(data.train)} is shorter than one window of {recipe.context + 1} characters")
    device = device or default_device()
    return [record for seed in seeds
            for record in _train_one(d_model, n_layers, seed, data, recipe, device, order_seed, n_checkpoints)]


def _train_one(d_model: int, n_layers: int, seed: int, data: TextSplits, recipe: Recipe, device: torch.device,
               order_seed: int, n_checkpoints: int) -> list[dict[str, Any]]:
    context = recipe.context
    assert context is not None
    torch.manual_seed(seed)
    model = CharTransformer(len(data.vocabulary), d_model, n_layers, d_model // HEAD_DIM, context).to(device)
    generator = torch.Generator().manual_seed(order_seed)
    offsets = torch.arange(context + 1)

    def next_batch() -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(0, len(data.train) - context, (recipe.batch_size, 1), generator=generator)
        window = data.train[starts + offsets]  # (batch, context + 1)
        return window[:, :-1].to(device), window[:, 1:].to(device)

    def losses(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(model(x).flatten(0, 1), y.flatten()).unsqueeze(0)

    splits = {"val": data.val, "test": data.test, "train": data.train[:TRAIN_EVAL_TOKENS]}

    outcome = train_loop(model, 1, losses, next_batch,
                         lambda split: evaluate_text(model, splits[split], context, device), recipe,
                         recipe.steps_for(len(data.train) // context), n_checkpoints)
    config = {"family": "transformer", "width": d_model, "depth": n_layers, "heads": d_model // HEAD_DIM,
              "context": context, "n_train": len(data.train), "n_params_non_embedding": model.n_params_non_embedding}
    return seed_records(outcome, (seed,), config, recipe, n_params=model.n_params,
                        flops_per_item=model.train_flops_per_token, items_per_step=recipe.batch_size * context,
                        unit="token", models_in_stack=1, device=device)
