"""Training runs with exact bookkeeping (Chapter 3): what was trained, on what, for how many FLOPs.

Data live in memory as uint8 tensors and are converted to float one batch at a time; batches are drawn
by indexing a seeded permutation, not through a per-sample ``DataLoader``. Several MLPs of one shape
(different seeds) train together as one stacked model (:class:`helpers.models.MLP`), on the same batches.

The recipe (:data:`MLP_RECIPE`) is fixed per family and versioned: AdamW with linear warm-up and cosine
decay to a tenth of the peak learning rate over the run, and a number of steps that grows with the data
(``epochs * n_train / batch_size``, clamped between ``min_steps`` and ``max_steps``). Each run records the
validation and test loss at log-spaced steps, so that compute frontiers can be drawn from the learning
curves, and reports the test loss both at the end and at the step where the validation loss was lowest
(early stopping on held-out training data, never on the test set). A run whose loss became non-finite, or
whose final training loss is above its first, is recorded as diverged, not dropped.
"""

from __future__ import annotations

import math
import resource
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from helpers.data import channel_stats, load_dataset, nested_subsets
from helpers.models import MLP
from helpers.processing import random_shifts


def default_device() -> torch.device:
    """CUDA if present, else Apple's MPS, else the CPU (what everything is tested on)."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@dataclass(frozen=True)
class Recipe:
    """How every run of a family is trained; ``version`` changes whenever the numbers do."""

    name: str
    version: int
    learning_rate: float
    weight_decay: float
    batch_size: int
    warmup_steps: int
    epochs: float
    min_steps: int
    max_steps: int

    def steps_for(self, n_train: int) -> int:
        """``epochs * n_train / batch_size``, clamped to ``[min_steps, max_steps]``."""
        return int(min(self.max_steps, max(self.min_steps, math.ceil(self.epochs * n_train / self.batch_size))))

    def learning_rate_at(self, step: int, total_steps: int) -> float:
        """Linear warm-up over ``warmup_steps``, then cosine decay to ``learning_rate / 10`` at the end."""
        if step < self.warmup_steps:
            return self.learning_rate * (step + 1) / self.warmup_steps
        progress = (step - self.warmup_steps) / max(1, total_steps - self.warmup_steps)
        return self.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


MLP_RECIPE = Recipe(name="mlp-mnist", version=1, learning_rate=2e-3, weight_decay=0.0, batch_size=128,
                    warmup_steps=50, epochs=20.0, min_steps=1_000, max_steps=4_000)


@dataclass(frozen=True)
class ImageSplits:
    """Inputs flattened to ``(n, features)`` with int64 labels. Pixels are uint8 and normalised per batch
    with ``mean`` and ``std``; float inputs (extracted features, see :mod:`helpers.processing`) are used
    as they are."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    mean: float
    std: float


def mnist_splits(n_train: int, *, n_val: int = 5_000, n_test: int | None = None, subset_seed: int = 0) -> ImageSplits:
    """MNIST with the last ``n_val`` training images held out for validation, and a nested,
    class-balanced training subset of ``n_train`` from the rest (at most ``60000 - n_val``)."""
    images, labels = load_dataset("mnist", "train")
    test_images, test_labels = load_dataset("mnist", "test")
    pool = len(labels) - n_val
    if not 0 < n_train <= pool:
        raise ValueError(f"n_train={n_train} must lie in 1..{pool} (60,000 minus {n_val} validation images)")
    (subset,) = nested_subsets(labels[:pool], [n_train], seed=subset_seed)
    mean, std = channel_stats(images[:pool])
    n_test = n_test or len(test_labels)

    def flat(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(x.reshape(len(x), -1)))

    return ImageSplits(
        train_x=flat(images[subset]), train_y=torch.from_numpy(labels[subset]),
        val_x=flat(images[pool:]), val_y=torch.from_numpy(labels[pool:]),
        test_x=flat(test_images[:n_test]), test_y=torch.from_numpy(test_labels[:n_test]),
        mean=float(mean[0]), std=float(std[0]),
    )


def _to_float(batch: torch.Tensor, data: ImageSplits, device: torch.device) -> torch.Tensor:
    if batch.dtype != torch.uint8:
        return batch.to(device, non_blocking=True)
    return (batch.to(device, non_blocking=True).float().div_(255.0) - data.mean) / data.std


def per_model_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats) of each stacked model: logits ``(K, batch, classes)`` -> ``(K,)``."""
    n_models, batch, classes = logits.shape
    losses = F.cross_entropy(logits.reshape(-1, classes), targets.repeat(n_models), reduction="none")
    return losses.view(n_models, batch).mean(dim=1)


@torch.no_grad()
def evaluate(model: MLP, x: torch.Tensor, y: torch.Tensor, data: ImageSplits, device: torch.device,
             chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy (nats) and accuracy of each stacked model on ``(x, y)``: two arrays ``(K,)``."""
    total_loss = torch.zeros(model.n_models, dtype=torch.float64, device=device)
    correct = torch.zeros(model.n_models, dtype=torch.float64, device=device)
    for start in range(0, len(y), chunk):
        targets = y[start:start + chunk].to(device)
        logits = model(_to_float(x[start:start + chunk], data, device))  # (K, chunk, 10)
        total_loss += per_model_loss(logits, targets).double() * len(targets)
        correct += (logits.argmax(dim=2) == targets).sum(dim=1).double()
    return (total_loss / len(y)).cpu().numpy(), (correct / len(y)).cpu().numpy()


def checkpoint_steps(total_steps: int, count: int = 12) -> list[int]:
    """About ``count`` log-spaced step numbers from 1 to ``total_steps`` (always including the last)."""
    if count == 1:
        return [total_steps]
    steps = np.unique(np.round(np.geomspace(1, total_steps, count)).astype(int))
    return [int(s) for s in steps]


def peak_memory_bytes(device: torch.device) -> int:
    """The process's peak resident memory (CPU), or the peak allocated GPU memory."""
    if device.type == "cuda":
        return int(torch.cuda.max_memory_allocated(device))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, KiB on Linux


def train_mlps(
    width: int,
    depth: int,
    data: ImageSplits,
    seeds: tuple[int, ...],
    recipe: Recipe = MLP_RECIPE,
    *,
    device: torch.device | None = None,
    order_seed: int = 0,
    n_checkpoints: int = 12,
    augment_shift: int = 0,
) -> list[dict[str, Any]]:
    """Train one MLP per seed (stacked, on the same batches) and return one record per seed.

    ``seeds`` set each model's initialisation; the order of the batches is set by ``order_seed`` and is
    the same for every seed, so a run's result does not depend on which other seeds share its stack.
    Validation and test losses are recorded at ``n_checkpoints`` log-spaced steps (at least the last).
    With ``augment_shift > 0`` every training batch is shifted at random by up to that many pixels
    (:func:`helpers.processing.random_shifts`).
    """
    device = device or default_device()
    n_inputs = data.train_x.shape[1]
    torch.manual_seed(order_seed)
    model = MLP(width, depth, n_models=len(seeds), n_inputs=n_inputs)
    for k, seed in enumerate(seeds):  # each model's own initialisation
        torch.manual_seed(seed)
        single = MLP(width, depth, n_inputs=n_inputs)
        with torch.no_grad():
            model.first_weight[:, k * width:(k + 1) * width] = single.first_weight
            model.first_bias[k * width:(k + 1) * width] = single.first_bias
            for stacked, own in zip(list(model.weights) + list(model.biases), list(single.weights) + list(single.biases)):
                stacked[k] = own[0]
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate, weight_decay=recipe.weight_decay,
                                  fused=True)  # one kernel per update: about a quarter faster than foreach
    total_steps = recipe.steps_for(len(data.train_y))
    checkpoints = set(checkpoint_steps(total_steps, max(1, n_checkpoints)))
    generator = torch.Generator().manual_seed(order_seed)
    order = torch.randperm(len(data.train_y), generator=generator)
    cursor = 0
    curve: list[dict[str, Any]] = []
    diverged = np.zeros(len(seeds), dtype=bool)
    began = time.perf_counter()
    for step in range(1, total_steps + 1):
        if cursor + recipe.batch_size > len(order):
            order, cursor = torch.randperm(len(data.train_y), generator=generator), 0
        index = order[cursor:cursor + recipe.batch_size]
        cursor += recipe.batch_size
        batch = data.train_x[index]
        if augment_shift:
            batch = random_shifts(batch, augment_shift, generator)
        for group in optimizer.param_groups:
            group["lr"] = recipe.learning_rate_at(step - 1, total_steps)
        losses = per_model_loss(model(_to_float(batch, data, device)), data.train_y[index].to(device))
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()  # the sum's gradient for each model is that model's own gradient
        optimizer.step()
        step_losses = losses.detach().cpu().numpy()
        diverged |= ~np.isfinite(step_losses)
        if step == 1:
            initial_loss = step_losses
        if step in checkpoints:
            val_loss, _ = evaluate(model, data.val_x, data.val_y, data, device)
            test_loss, test_accuracy = evaluate(model, data.test_x, data.test_y, data, device)
            diverged |= ~np.isfinite(test_loss)
            curve.append({"step": step, "examples": step * recipe.batch_size,
                          "val_loss": val_loss.tolist(), "test_loss": test_loss.tolist()})
    seconds = time.perf_counter() - began  # the last step is always a checkpoint: its test loss is final
    train_loss, train_accuracy = evaluate(model, data.train_x[:5000], data.train_y[:5000], data, device)
    diverged |= ~np.isfinite(train_loss) | (train_loss > initial_loss)  # training made it worse
    flops_per_example = model.train_flops_per_example
    records = []
    for k, seed in enumerate(seeds):
        val_curve = np.array([point["val_loss"][k] for point in curve])
        best = int(np.nanargmin(np.where(np.isfinite(val_curve), val_curve, np.nan))) if np.isfinite(val_curve).any() else -1
        records.append({
            "family": "mlp", "width": width, "depth": depth, "seed": seed, "n_train": len(data.train_y),
            "recipe": asdict(recipe), "n_params": model.n_params, "flops_per_example": flops_per_example,
            "steps": total_steps, "train_flops": flops_per_example * recipe.batch_size * total_steps,
            "wall_seconds": seconds, "models_in_stack": len(seeds), "device": device.type,
            "peak_memory_bytes": peak_memory_bytes(device), "diverged": bool(diverged[k]),
            "train_loss": float(train_loss[k]), "train_accuracy": float(train_accuracy[k]),
            "test_loss": float(test_loss[k]), "test_accuracy": float(test_accuracy[k]),
            "best_val_step": curve[best]["step"] if best >= 0 else None,
            "early_stopped_test_loss": curve[best]["test_loss"][k] if best >= 0 else None,
            "curve": [{"step": p["step"], "examples": p["examples"],
                       "flops": flops_per_example * p["examples"],
                       "val_loss": p["val_loss"][k], "test_loss": p["test_loss"][k]} for p in curve],
        })
    return records
