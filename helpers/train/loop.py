"""The one training loop every model family uses, its evaluation, checkpoints and records (Chapter 3).

A family describes its work as a :class:`Task` with three named parts: how to draw the next training
batch, how to compute each model's loss on it, and how to evaluate each model on a split. The loop is
then a straight read, nanoGPT-style::

    for step in 1..total_steps:
        x, y = task.next_batch()
        set the learning rate from the recipe's schedule
        losses = task.losses(x, y)          # one mean loss per model of the stack, shape (K,)
        losses.sum().backward(); clip; AdamW step
        at log-spaced checkpoints: task.evaluate("val"), task.evaluate("test")

The sum's gradient with respect to each model's weights is that model's own gradient, so ``K`` models
stacked in one module (:class:`helpers.models.MLP`) train exactly as they would one at a time.

Data live in memory as uint8 tensors and are converted to float one batch at a time; batches are drawn
by indexing a seeded permutation (:func:`epoch_batches`), not through a per-sample ``DataLoader``.
Each run records the validation and test loss at log-spaced steps, so that compute frontiers can be
drawn from the learning curves, and reports the test loss both at the end and at the checkpoint where
the validation loss was lowest (early stopping on held-out training data, never on the test set). A run
whose loss became non-finite, or whose final training loss is above its first, is recorded as
diverged, not dropped.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
import torch
from torch.nn import functional as F

from helpers.data.processing import random_shifts
from helpers.data.splits import ImageSplits
from helpers.results import TrainingRecord
from helpers.train.recipes import Recipe


def default_device() -> torch.device:
    """CUDA if present, else Apple's MPS, else the CPU (what everything is tested on) (Chapter 3)."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if (
        getattr(torch.backends, "mps", None) is not None
        and torch.backends.mps.is_available()
    ):
        return torch.device("mps")
    return torch.device("cpu")


class Task(Protocol):
    """What the loop needs from a family (Chapter 3): a stack of ``n_models`` models and its data."""

    n_models: int

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next training batch ``(inputs, targets)``, on the training device."""

    def losses(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Each model's mean training loss on the batch, shape ``(n_models,)``."""

    def evaluate(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """Each model's mean loss (nats per unit) and accuracy on ``"val"``, ``"test"`` or ``"train"``."""


class ModelConfig(Protocol):
    """What a record needs to know of a model's size (:mod:`helpers.models`) (Chapter 3)."""

    @property
    def n_params(self) -> int: ...

    @property
    def n_params_non_embedding(self) -> int: ...

    @property
    def train_flops_per_unit(self) -> int: ...


def checkpoint_steps(total_steps: int, count: int = 12) -> list[int]:
    """About ``count`` log-spaced step numbers from 1 to ``total_steps`` (always including the last) (Chapter 3)."""
    if count == 1:
        return [total_steps]
    steps = np.unique(np.round(np.geomspace(1, total_steps, count)).astype(int))
    return [int(s) for s in steps]


def peak_memory_bytes(device: torch.device) -> int:
    """The process's peak resident memory (CPU), or the peak allocated GPU memory (Chapter 3)."""
    if device.type == "cuda":
        return int(torch.cuda.max_memory_allocated(device))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # bytes on macOS, KiB on Linux
    return int(peak if sys.platform == "darwin" else peak * 1024)


def adamw_optimizer(
    model: torch.nn.Module, recipe: Recipe
) -> torch.optim.Optimizer:
    """The recipe's AdamW (fused: one kernel per update), with weight decay on weight matrices and
    convolution kernels only; biases, norms and embeddings are not decayed (Chapter 3)."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        is_matrix = (
            parameter.dim() >= 2 and "bias" not in name and "embedding" not in name
        )
        (decay if is_matrix else no_decay).append(parameter)
    # one group: each group costs a kernel and Python work on every step
    if recipe.weight_decay == 0:
        decay, no_decay = decay + no_decay, []
    groups = [
        {"params": decay, "weight_decay": recipe.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(
        [g for g in groups if g["params"]],
        lr=recipe.learning_rate,
        betas=(0.9, recipe.beta2),
        fused=True,
    )


@dataclass
class LoopOutcome:
    """What :func:`train_loop` measured for a stack of ``K`` models (arrays have length ``K``) (Chapter 3)."""

    total_steps: int  # steps taken: fewer than planned when the recipe's patience stopped the run
    seconds: float
    # {"step", "val_loss": [K], "test_loss": [K]} at each checkpoint
    curve: list[dict[str, Any]]
    final: dict[str, np.ndarray]  # train/test loss and accuracy at the end
    diverged: np.ndarray


def train_loop(
    model: torch.nn.Module,
    task: Task,
    recipe: Recipe,
    total_steps: int,
    n_checkpoints: int | None = None,
) -> LoopOutcome:
    """Train ``model`` (a stack of ``task.n_models`` independent models) for ``total_steps`` steps (Chapter 3).

    The step minimises the sum of the models' losses; the learning rate follows the recipe's schedule;
    validation and test losses are recorded at ``n_checkpoints`` log-spaced steps (``None``: the
    recipe's ``checkpoints``; always the last). With a recipe ``patience``, the loop stops at the
    first checkpoint, at or after ``stop_after`` of ``total_steps``, where every model has had
    ``patience`` checkpoints since its best with a validation loss more than ``stop_tolerance`` above
    that best; ``LoopOutcome.total_steps`` is then the step it stopped at.
    A model is marked diverged if any loss became non-finite or its final training loss is above its first.
    """
    n_models = task.n_models
    if recipe.grad_clip is not None and n_models > 1:
        raise ValueError(
            "grad_clip clips the norm of the whole stack's gradient, which would couple its "
            f"{n_models} models: train them one at a time (n_models=1)"
        )
    optimizer = adamw_optimizer(model, recipe)
    count = recipe.checkpoints if n_checkpoints is None else n_checkpoints
    checkpoints = set(checkpoint_steps(total_steps, max(1, count)))
    curve: list[dict[str, Any]] = []
    diverged = np.zeros(n_models, dtype=bool)
    best_val = np.full(n_models, np.inf)
    worse_since_best = np.zeros(n_models, dtype=int)
    steps_taken = total_steps
    began = time.perf_counter()
    for step in range(1, total_steps + 1):
        inputs, targets = task.next_batch()
        for group in optimizer.param_groups:
            group["lr"] = recipe.learning_rate_at(step - 1, total_steps)
        step_losses = task.losses(inputs, targets)  # (n_models,)
        optimizer.zero_grad(set_to_none=True)
        step_losses.sum().backward()
        if recipe.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.grad_clip)
        optimizer.step()
        values = step_losses.detach().cpu().numpy()
        diverged |= ~np.isfinite(values)
        if step == 1:
            initial_loss = values
        if step in checkpoints:
            val_loss, _ = task.evaluate("val")
            test_loss, test_accuracy = task.evaluate("test")
            diverged |= ~np.isfinite(test_loss)
            curve.append(
                {
                    "step": step,
                    "val_loss": val_loss.tolist(),
                    "test_loss": test_loss.tolist(),
                }
            )
            improved = val_loss < best_val
            clearly_worse = val_loss > best_val * (1 + recipe.stop_tolerance)
            best_val = np.where(improved, val_loss, best_val)
            worse_since_best = np.where(
                improved, 0, worse_since_best + clearly_worse
            )
            if (
                recipe.patience is not None
                and step >= recipe.stop_after * total_steps
                and (worse_since_best >= recipe.patience).all()
            ):
                steps_taken = step
                break
    # the last step (or the one stopped at) is always a checkpoint: its test loss is final
    seconds = time.perf_counter() - began
    train_loss, train_accuracy = task.evaluate("train")
    # training made it worse
    diverged |= ~np.isfinite(train_loss) | (train_loss > initial_loss)
    final = {
        "train_loss": train_loss,
        "train_accuracy": train_accuracy,
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
    }
    return LoopOutcome(steps_taken, seconds, curve, final, diverged)


def run_records(
    outcome: LoopOutcome,
    seeds: tuple[int, ...],
    recipe: Recipe,
    config: ModelConfig,
    *,
    identity: dict[str, Any],
    models_in_stack: int,
    device: torch.device,
) -> list[TrainingRecord]:
    """One :class:`~helpers.results.TrainingRecord` per seed from a :class:`LoopOutcome` (Chapter 3).

    ``identity`` holds the record's ``family``, ``dataset``, ``unit``, ``width``, ``depth``, ``n_train`` and
    ``order_seed``.
    The early-stopped test loss is the test loss at the checkpoint with the lowest validation loss.
    """
    flops_per_unit, units_per_step = (
        config.train_flops_per_unit,
        recipe.units_per_step,
    )
    records = []
    for k, seed in enumerate(seeds):
        val_curve = np.array([point["val_loss"][k] for point in outcome.curve])
        finite = np.isfinite(val_curve)
        best = (
            int(np.nanargmin(np.where(finite, val_curve, np.nan)))
            if finite.any()
            else -1
        )
        records.append(
            TrainingRecord(
                **identity,
                seed=seed,
                recipe=asdict(recipe),
                n_params=config.n_params,
                n_params_non_embedding=config.n_params_non_embedding,
                flops_per_unit=flops_per_unit,
                units_per_step=units_per_step,
                steps=outcome.total_steps,
                units_seen=units_per_step * outcome.total_steps,
                train_flops=flops_per_unit * units_per_step * outcome.total_steps,
                wall_seconds=outcome.seconds,
                peak_memory_bytes=peak_memory_bytes(device),
                models_in_stack=models_in_stack,
                device=device.type,
                diverged=bool(outcome.diverged[k]),
                **{
                    name: float(values[k]) for name, values in outcome.final.items()
                },
                best_val_step=outcome.curve[best]["step"] if best >= 0 else None,
                early_stopped_test_loss=outcome.curve[best]["test_loss"][k]
                if best >= 0
                else None,
                curve=[
                    {
                        "step": p["step"],
                        "units_seen": p["step"] * units_per_step,
                        "flops": flops_per_unit * units_per_step * p["step"],
                        "val_loss": p["val_loss"][k],
                        "test_loss": p["test_loss"][k],
                    }
                    for p in outcome.curve
                ],
            )
        )
    return records


def train_one_at_a_time(
    build: Callable[[], tuple[torch.nn.Module, Task]],
    seeds: tuple[int, ...],
    recipe: Recipe,
    n_examples: int,
    config: ModelConfig,
    *,
    identity: dict[str, Any],
    device: torch.device,
    n_checkpoints: int | None = None,
) -> list[TrainingRecord]:
    """Train one model per seed, one after another, and return one record each (Chapter 3).

    For each seed, ``torch.manual_seed(seed)`` is set and ``build()`` makes the model and its
    :class:`Task` (so the seed sets the initialisation); the model trains for
    ``recipe.steps_for(n_examples)`` steps. For families that do not stack (the CNN and the transformer).
    """
    records: list[TrainingRecord] = []
    for seed in seeds:
        torch.manual_seed(seed)
        model, task = build()
        outcome = train_loop(
            model, task, recipe, recipe.steps_for(n_examples), n_checkpoints
        )
        records += run_records(
            outcome,
            (seed,),
            recipe,
            config,
            identity=identity,
            models_in_stack=1,
            device=device,
        )
    return records


def epoch_batches(
    n: int, batch_size: int, generator: torch.Generator
) -> Callable[[], torch.Tensor]:
    """A function returning the indices of the next batch: consecutive slices of a seeded permutation of
    ``range(n)``, reshuffled when fewer than ``batch_size`` indices remain (Chapter 3)."""
    state = {"order": torch.randperm(n, generator=generator), "cursor": 0}

    def next_indices() -> torch.Tensor:
        if state["cursor"] + batch_size > n:
            state["order"], state["cursor"] = (
                torch.randperm(n, generator=generator),
                0,
            )
        start = state["cursor"]
        state["cursor"] = start + batch_size
        return state["order"][start : start + batch_size]

    return next_indices


def per_model_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats) of each stacked model: logits ``(K, batch, classes)`` -> ``(K,)`` (Chapter 3)."""
    n_models, batch, classes = logits.shape
    losses = F.cross_entropy(
        logits.reshape(-1, classes), targets.repeat(n_models), reduction="none"
    )
    return losses.view(n_models, batch).mean(dim=1)


@torch.no_grad()
def evaluate_images(
    logits: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    data: ImageSplits,
    device: torch.device,
    chunk: int = 4096,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy (nats) and accuracy of each stacked model on images ``(x, y)``: two arrays
    ``(K,)`` (Chapter 3). ``logits`` maps a normalised batch to logits ``(K, batch, classes)``."""
    total_loss: torch.Tensor | float = 0.0
    correct: torch.Tensor | float = 0.0
    for start in range(0, len(y), chunk):
        targets = y[start : start + chunk].to(device)
        # (K, chunk, classes)
        scores = logits(data.normalise(x[start : start + chunk], device))
        total_loss = total_loss + per_model_loss(scores, targets).double() * len(
            targets
        )
        correct = correct + (scores.argmax(dim=2) == targets).sum(dim=1).double()
    return (total_loss / len(y)).cpu().numpy(), (correct / len(y)).cpu().numpy()


class ImageTask:
    """An image classifier's :class:`Task` (Chapter 3): batches of ``data``'s training images in a seeded
    order, optionally shifted at random by up to ``augment_shift`` pixels
    (:func:`helpers.data.processing.random_shifts`), and evaluation on its splits.

    ``logits`` maps a normalised batch to logits ``(n_models, batch, classes)``. The batch order and the
    shifts come from one generator seeded with ``order_seed``, the same for every model of the stack.
    """

    def __init__(
        self,
        logits: Callable[[torch.Tensor], torch.Tensor],
        data: ImageSplits,
        n_models: int,
        recipe: Recipe,
        device: torch.device,
        *,
        order_seed: int = 0,
        augment_shift: int = 0,
        eval_chunk: int = 4096,
    ) -> None:
        self.n_models, self.data, self.device = n_models, data, device
        self.logits, self.augment_shift, self.eval_chunk = (
            logits,
            augment_shift,
            eval_chunk,
        )
        self.generator = torch.Generator().manual_seed(order_seed)
        self.next_indices = epoch_batches(
            data.n_train, recipe.batch_size, self.generator
        )
        self.splits = data.evaluation_sets()

    def _shift(self, images: torch.Tensor) -> torch.Tensor:
        return random_shifts(images, self.augment_shift, self.generator)

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data.train_batch(
            self.next_indices(),
            self.device,
            self._shift if self.augment_shift else None,
        )

    def losses(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return per_model_loss(self.logits(inputs), targets)

    def evaluate(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        return evaluate_images(
            self.logits,
            *self.splits[split],
            self.data,
            self.device,
            chunk=self.eval_chunk,
        )
