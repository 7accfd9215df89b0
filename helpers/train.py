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
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
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
    """How every run of a family is trained; ``version`` changes whenever the numbers do.

    ``beta2`` is AdamW's second-moment decay; ``grad_clip`` the largest gradient norm of a step (for
    models trained one at a time); ``context`` the tokens per training sequence of a language model,
    whose "examples" in :meth:`steps_for` are sequences of ``context`` tokens. Weight decay applies to
    weight matrices and convolution kernels, not to biases, norms or embeddings.
    """

    name: str
    version: int
    learning_rate: float
    weight_decay: float
    batch_size: int
    warmup_steps: int
    epochs: float
    min_steps: int
    max_steps: int
    beta2: float = 0.999
    grad_clip: float | None = None
    context: int | None = None

    def steps_for(self, n_train: int) -> int:
        """``epochs * n_train / batch_size``, clamped to ``[min_steps, max_steps]``."""
        return int(min(self.max_steps, max(self.min_steps, math.ceil(self.epochs * n_train / self.batch_size))))

    def scaled(self, step_scale: float) -> "Recipe":
        """The same recipe with ``min_steps``, ``max_steps`` and ``warmup_steps`` multiplied by
        ``step_scale`` (at least 1 each): shorter runs for the ``smoke`` and ``workshop`` profiles."""
        if step_scale == 1.0:
            return self
        if not step_scale > 0:
            raise ValueError(f"step_scale must be positive, got {step_scale}")
        return replace(self, min_steps=max(1, round(self.min_steps * step_scale)),
                       max_steps=max(1, round(self.max_steps * step_scale)),
                       warmup_steps=max(1, round(self.warmup_steps * step_scale)))

    def learning_rate_at(self, step: int, total_steps: int) -> float:
        """Linear warm-up over ``warmup_steps``, then cosine decay to ``learning_rate / 10`` at the end."""
        if step < self.warmup_steps:
            return self.learning_rate * (step + 1) / self.warmup_steps
        progress = (step - self.warmup_steps) / max(1, total_steps - self.warmup_steps)
        return self.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


TRAIN_EVAL_EXAMPLES = 5_000
"""The training loss and accuracy of a record are measured on the first this many training examples."""

MLP_RECIPE = Recipe(name="mlp-mnist", version=1, learning_rate=2e-3, weight_decay=0.0, batch_size=128,
                    warmup_steps=50, epochs=20.0, min_steps=1_000, max_steps=4_000)


@dataclass(frozen=True)
class ImageSplits:
    """Inputs with int64 labels: MNIST flattened to ``(n, 784)``, CIFAR-10 as ``(n, 3, 32, 32)``. Pixels
    are uint8 and normalised per batch as ``(x / 255 - mean) / std`` (a number, or per-channel values
    shaped ``(1, 3, 1, 1)``); float inputs (extracted features, see :mod:`helpers.processing`) are used as
    they are."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    mean: float | torch.Tensor
    std: float | torch.Tensor

    def evaluation_sets(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """``(x, y)`` for ``"val"``, ``"test"`` and ``"train"`` (the first :data:`TRAIN_EVAL_EXAMPLES`)."""
        return {"val": (self.val_x, self.val_y), "test": (self.test_x, self.test_y),
                "train": (self.train_x[:TRAIN_EVAL_EXAMPLES], self.train_y[:TRAIN_EVAL_EXAMPLES])}

    def normalise(self, batch: torch.Tensor, device: torch.device) -> torch.Tensor:
        """A batch of inputs as float32 on ``device``: uint8 pixels become ``(x / 255 - mean) / std``;
        float features are moved as they are."""
        if batch.dtype != torch.uint8:
            return batch.to(device, non_blocking=True)
        mean, std = (v.to(device) if isinstance(v, torch.Tensor) else v for v in (self.mean, self.std))
        return (batch.to(device, non_blocking=True).float().div_(255.0) - mean) / std

    def train_batch(self, index: torch.Tensor, device: torch.device,
                    augment: Callable[[torch.Tensor], torch.Tensor] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The training examples at ``index``: normalised inputs and labels on ``device``. ``augment``, if
        given, transforms the raw (uint8) inputs first. Rows are gathered with ``index_select``, on a CPU
        about ten times faster than ``train_x[index]``."""
        inputs = self.train_x.index_select(0, index)
        if augment is not None:
            inputs = augment(inputs)
        return self.normalise(inputs, device), self.train_y.index_select(0, index).to(device)


def image_splits(name: str, n_train: int, *, n_val: int = 5_000, n_test: int | None = None,
                 subset_seed: int = 0) -> ImageSplits:
    """Dataset ``name`` (``"mnist"`` or ``"cifar10"``) with the last ``n_val`` training images held out for
    validation, a nested, class-balanced training subset of ``n_train`` from the rest, and pixel
    statistics of that rest. MNIST is flattened to ``(n, 784)``; CIFAR-10 becomes ``(n, 3, 32, 32)`` with
    per-channel statistics."""
    images, labels = load_dataset(name, "train")
    test_images, test_labels = load_dataset(name, "test")
    pool = len(labels) - n_val
    if not 0 < n_train <= pool:
        raise ValueError(f"n_train={n_train} must lie in 1..{pool} ({len(labels):,} training images minus "
                         f"{n_val} validation images)")
    (subset,) = nested_subsets(labels[:pool], [n_train], seed=subset_seed)
    mean, std = channel_stats(images[:pool])
    n_test = n_test or len(test_labels)
    grey = images.ndim == 3

    def as_tensor(x: np.ndarray) -> torch.Tensor:  # (n, 28, 28) -> (n, 784); (n, 32, 32, 3) -> (n, 3, 32, 32)
        return torch.from_numpy(np.ascontiguousarray(x.reshape(len(x), -1) if grey else x.transpose(0, 3, 1, 2)))

    def statistic(values: np.ndarray) -> float | torch.Tensor:
        return float(values[0]) if grey else torch.tensor(values, dtype=torch.float32).view(1, -1, 1, 1)

    return ImageSplits(
        train_x=as_tensor(images[subset]), train_y=torch.from_numpy(labels[subset]),
        val_x=as_tensor(images[pool:]), val_y=torch.from_numpy(labels[pool:]),
        test_x=as_tensor(test_images[:n_test]), test_y=torch.from_numpy(test_labels[:n_test]),
        mean=statistic(mean), std=statistic(std),
    )


def mnist_splits(n_train: int, *, n_val: int = 5_000, n_test: int | None = None, subset_seed: int = 0) -> ImageSplits:
    """MNIST through :func:`image_splits`: ``n_train`` at most ``60000 - n_val``, images flattened."""
    return image_splits("mnist", n_train, n_val=n_val, n_test=n_test, subset_seed=subset_seed)


def per_model_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats) of each stacked model: logits ``(K, batch, classes)`` -> ``(K,)``."""
    n_models, batch, classes = logits.shape
    losses = F.cross_entropy(logits.reshape(-1, classes), targets.repeat(n_models), reduction="none")
    return losses.view(n_models, batch).mean(dim=1)


@torch.no_grad()
def evaluate(model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, y: torch.Tensor, data: ImageSplits,
             device: torch.device, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy (nats) and accuracy of each stacked model on ``(x, y)``: two arrays ``(K,)``.
    ``model`` maps a float batch to logits ``(K, batch, classes)``."""
    total_loss: torch.Tensor | float = 0.0
    correct: torch.Tensor | float = 0.0
    for start in range(0, len(y), chunk):
        targets = y[start:start + chunk].to(device)
        logits = model(data.normalise(x[start:start + chunk], device))  # (K, chunk, classes)
        total_loss = total_loss + per_model_loss(logits, targets).double() * len(targets)
        correct = correct + (logits.argmax(dim=2) == targets).sum(dim=1).double()
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


@dataclass
class LoopOutcome:
    """What :func:`train_loop` measured for a stack of ``K`` models (arrays have length ``K``)."""

    total_steps: int
    seconds: float
    curve: list[dict[str, Any]]  # {"step", "val_loss": [K], "test_loss": [K]} at each checkpoint
    final: dict[str, np.ndarray]  # train/test loss and accuracy at the end
    diverged: np.ndarray


def adamw_optimizer(model: torch.nn.Module, recipe: Recipe) -> torch.optim.Optimizer:
    """The recipe's AdamW (fused: one kernel per update), with weight decay on weight matrices and
    convolution kernels only; biases, norms and embeddings are not decayed."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        is_matrix = parameter.dim() >= 2 and "bias" not in name and "embedding" not in name
        (decay if is_matrix else no_decay).append(parameter)
    if recipe.weight_decay == 0:  # one group: each group costs a kernel and Python work on every step
        decay, no_decay = decay + no_decay, []
    groups = [{"params": decay, "weight_decay": recipe.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=recipe.learning_rate,
                             betas=(0.9, recipe.beta2), fused=True)  # one kernel per group and update


def train_loop(
    model: torch.nn.Module,
    n_models: int,
    losses: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    next_batch: Callable[[], tuple[torch.Tensor, torch.Tensor]],
    evaluate_split: Callable[[str], tuple[np.ndarray, np.ndarray]],
    recipe: Recipe,
    total_steps: int,
    n_checkpoints: int = 12,
) -> LoopOutcome:
    """Train ``model`` (a stack of ``n_models`` independent models) for ``total_steps`` steps.

    ``losses(x, y)`` returns each model's mean loss on a batch, shape ``(n_models,)``; the step minimises
    their sum, whose gradient with respect to each model's weights is that model's own gradient.
    ``next_batch()`` draws the next training batch; ``evaluate_split(name)`` returns each model's loss and
    accuracy on ``"val"``, ``"test"`` or ``"train"``. The learning rate follows the recipe's schedule;
    validation and test losses are recorded at ``n_checkpoints`` log-spaced steps (always the last).
    A model is marked diverged if any loss became non-finite or its final training loss is above its first.
    """
    if recipe.grad_clip is not None and n_models > 1:
        raise ValueError("grad_clip clips the norm of the whole stack's gradient, which would couple its "
                         f"{n_models} models: train them one at a time (n_models=1)")
    optimizer = adamw_optimizer(model, recipe)
    checkpoints = set(checkpoint_steps(total_steps, max(1, n_checkpoints)))
    curve: list[dict[str, Any]] = []
    diverged = np.zeros(n_models, dtype=bool)
    began = time.perf_counter()
    for step in range(1, total_steps + 1):
        x, y = next_batch()
        for group in optimizer.param_groups:
            group["lr"] = recipe.learning_rate_at(step - 1, total_steps)
        step_losses = losses(x, y)
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
            val_loss, _ = evaluate_split("val")
            test_loss, test_accuracy = evaluate_split("test")
            diverged |= ~np.isfinite(test_loss)
            curve.append({"step": step, "val_loss": val_loss.tolist(), "test_loss": test_loss.tolist()})
    seconds = time.perf_counter() - began  # the last step is always a checkpoint: its test loss is final
    train_loss, train_accuracy = evaluate_split("train")
    diverged |= ~np.isfinite(train_loss) | (train_loss > initial_loss)  # training made it worse
    final = {"train_loss": train_loss, "train_accuracy": train_accuracy, "test_loss": test_loss,
             "test_accuracy": test_accuracy}
    return LoopOutcome(total_steps, seconds, curve, final, diverged)


def seed_records(outcome: LoopOutcome, seeds: tuple[int, ...], config: dict[str, Any], recipe: Recipe, *,
                 n_params: int, flops_per_item: int, items_per_step: int, unit: str = "example",
                 models_in_stack: int, device: torch.device) -> list[dict[str, Any]]:
    """One record per seed from a :class:`LoopOutcome` (``unit``: ``"example"`` or ``"token"``, what
    ``flops_per_item`` and ``items_per_step`` count). The early-stopped test loss is the test loss at
    the checkpoint with the lowest validation loss."""
    records = []
    for k, seed in enumerate(seeds):
        val_curve = np.array([point["val_loss"][k] for point in outcome.curve])
        finite = np.isfinite(val_curve)
        best = int(np.nanargmin(np.where(finite, val_curve, np.nan))) if finite.any() else -1
        records.append({
            **config, "seed": seed, "recipe": asdict(recipe), "n_params": n_params,
            f"flops_per_{unit}": flops_per_item, "steps": outcome.total_steps,
            "train_flops": flops_per_item * items_per_step * outcome.total_steps,
            "wall_seconds": outcome.seconds, "models_in_stack": models_in_stack, "device": device.type,
            "peak_memory_bytes": peak_memory_bytes(device), "diverged": bool(outcome.diverged[k]),
            **{name: float(values[k]) for name, values in outcome.final.items()},
            "best_val_step": outcome.curve[best]["step"] if best >= 0 else None,
            "early_stopped_test_loss": outcome.curve[best]["test_loss"][k] if best >= 0 else None,
            "curve": [{"step": p["step"], f"{unit}s": p["step"] * items_per_step,
                       "flops": flops_per_item * items_per_step * p["step"],
                       "val_loss": p["val_loss"][k], "test_loss": p["test_loss"][k]} for p in outcome.curve],
        })
    return records


def stacked_mlp(width: int, depth: int, seeds: tuple[int, ...], n_inputs: int) -> MLP:
    """An :class:`MLP` stack whose model ``k`` has exactly the initialisation of ``MLP(width, depth)``
    created after ``torch.manual_seed(seeds[k])``."""
    model = MLP(width, depth, n_models=len(seeds), n_inputs=n_inputs)
    for k, seed in enumerate(seeds):
        torch.manual_seed(seed)
        single = MLP(width, depth, n_inputs=n_inputs)
        with torch.no_grad():
            model.first_weight[:, k * width:(k + 1) * width] = single.first_weight
            model.first_bias[k * width:(k + 1) * width] = single.first_bias
            for stacked, own in zip(list(model.weights) + list(model.biases), list(single.weights) + list(single.biases)):
                stacked[k] = own[0]
    return model


def epoch_batches(n: int, batch_size: int, generator: torch.Generator) -> Callable[[], torch.Tensor]:
    """A function returning the indices of the next batch: consecutive slices of a seeded permutation of
    ``range(n)``, reshuffled when fewer than ``batch_size`` indices remain."""
    state = {"order": torch.randperm(n, generator=generator), "cursor": 0}

    def next_indices() -> torch.Tensor:
        if state["cursor"] + batch_size > n:
            state["order"], state["cursor"] = torch.randperm(n, generator=generator), 0
        start = state["cursor"]
        state["cursor"] = start + batch_size
        return state["order"][start:start + batch_size]

    return next_indices


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
    model = stacked_mlp(width, depth, seeds, n_inputs).to(device)
    generator = torch.Generator().manual_seed(order_seed)
    next_indices = epoch_batches(len(data.train_y), recipe.batch_size, generator)

    def shift(images: torch.Tensor) -> torch.Tensor:
        return random_shifts(images, augment_shift, generator)

    def next_batch() -> tuple[torch.Tensor, torch.Tensor]:
        return data.train_batch(next_indices(), device, shift if augment_shift else None)

    splits = data.evaluation_sets()
    outcome = train_loop(
        model, len(seeds), lambda x, y: per_model_loss(model(x), y), next_batch,
        lambda split: evaluate(model, *splits[split], data, device), recipe,
        recipe.steps_for(len(data.train_y)), n_checkpoints)
    config = {"family": "mlp", "width": width, "depth": depth, "n_train": len(data.train_y)}
    return seed_records(outcome, seeds, config, recipe, n_params=model.n_params,
                        flops_per_item=model.train_flops_per_example, items_per_step=recipe.batch_size,
                        models_in_stack=len(seeds), device=device)
