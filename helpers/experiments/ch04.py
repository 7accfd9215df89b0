"""Chapter 4, "Limitations" (section 4.4): two MNIST experiments where a plain power law fails.

* :func:`label_noise_scaling` (``ch04_label_noise``): data laws of MLPs trained on labels corrupted at
  rate ``eta``. The noise puts a floor under the loss that no amount of data removes.
* :func:`double_descent` (``ch04_double_descent``): one-hidden-layer MLPs of many widths on a small,
  noisily labelled training set, trained long without early stopping. Test error rises near the
  width where the training set is first fitted exactly, then falls again (Nakkiran et al. 2019).

Both corrupt labels with :func:`corrupt_labels`: exactly ``round(eta * n)`` labels, chosen by a seeded
generator, each replaced by one of the other nine classes drawn uniformly.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, replace
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from helpers.data.splits import ImageSplits, mnist_splits
from helpers.models.mlp import N_CLASSES, MLPConfig
from helpers.profiles import Profile
from helpers.train.loop import ImageTask
from helpers.train.mlp import train_mlps
from helpers.train.recipes import MLP_LONG_RECIPE, MLP_RECIPE, Recipe

NOISE_RATES = (0.0, 0.1, 0.2, 0.4)
"""The label-noise rates ``eta`` of :func:`label_noise_scaling`."""

NOISE_SEED = 4
"""The root seed of every label corruption in this module (Chapter 4); the draws for one training set
are seeded with ``(NOISE_SEED, n_train, round(10_000 * eta), split)``."""


def corrupt_labels(
    labels: np.ndarray,
    rate: float,
    rng: np.random.Generator,
    n_classes: int = N_CLASSES,
) -> np.ndarray:
    """A copy of ``labels`` with exactly ``round(rate * len(labels))`` of them replaced (Chapter 4).

    The replaced positions are drawn without replacement by ``rng``; each replaced label ``y`` becomes
    ``(y + k) mod n_classes`` with ``k`` uniform on ``1 .. n_classes - 1``, that is, one of the other
    classes, each with probability ``1 / (n_classes - 1)``. A replaced label is never the true one, so
    the fraction of wrong labels is ``rate`` (to within ``1 / (2 n)``), not ``rate (1 - 1/n_classes)``.
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"rate must lie in [0, 1], got {rate}")
    labels = np.asarray(labels)
    in_range = labels.size == 0 or (0 <= labels.min() and labels.max() < n_classes)
    if labels.ndim != 1 or not in_range:
        raise ValueError(
            f"labels must be a 1-D array of classes 0..{n_classes - 1}, got shape "
            f"{labels.shape}"
        )
    n_corrupt = round(rate * len(labels))
    which = rng.choice(len(labels), size=n_corrupt, replace=False)
    corrupted = labels.copy()
    corrupted[which] = (
        labels[which] + rng.integers(1, n_classes, size=n_corrupt)
    ) % n_classes
    return corrupted


def clean_label_floor(rate: float) -> float:
    """``-ln(1 - eta)``: the clean-label test loss of a model that has learned the noisy labels
    exactly (Chapter 4).

    Such a model predicts probability ``1 - eta`` for the true class (and ``eta / 9`` for each other),
    so its cross-entropy on *clean* test labels is ``-ln(1 - eta)`` on every image. It is the floor of
    a model that is calibrated to the noise, not a bound on every model: one that predicted the true
    class with certainty would score 0.
    """
    return -math.log1p(-rate)


def noisy_label_entropy(rate: float, n_classes: int = N_CLASSES) -> float:
    """``H(eta) = -(1 - eta) ln(1 - eta) - eta ln(eta / (K - 1))``, nats, ``K = n_classes`` (Chapter 4).

    The entropy of a label corrupted at rate ``eta`` given its image (when the true class is a
    function of the image): the lowest cross-entropy any model can reach on labels corrupted the same
    way. ``H(0) = 0``.
    """
    if rate == 0:
        return 0.0
    return -(1 - rate) * math.log1p(-rate) - rate * math.log(rate / (n_classes - 1))


def noisy_splits(data: ImageSplits, rate: float) -> ImageSplits:
    """``data`` with its training and validation labels corrupted at ``rate`` by :func:`corrupt_labels`;
    the test labels stay clean (Chapter 4). The two draws are seeded by ``NOISE_SEED``, the training set's
    size and ``rate``, so a run is reproducible and each ``rate`` has its own corruption."""
    corrupted = []
    for split, labels in enumerate((data.train_y, data.val_y)):
        rng = np.random.default_rng(
            [NOISE_SEED, data.n_train, round(10_000 * rate), split]
        )
        corrupted.append(
            torch.from_numpy(corrupt_labels(labels.numpy(), rate, rng))
        )
    return replace(data, train_y=corrupted[0], val_y=corrupted[1])


class NoisyTestTask(ImageTask):
    """An :class:`ImageTask` whose test evaluation also records, at every checkpoint, each model's
    test loss averaged over the label noise and its test error (Chapter 4).

    For a test image of class ``y`` and predicted probabilities ``p``, the loss on a label corrupted
    at rate ``eta`` is, averaged over the corruption,
    ``(1 - eta) (-ln p_y) + eta / 9 * sum_{k != y} (-ln p_k)``: the mean test loss over every way of
    corrupting the test set, computed exactly instead of from one draw.
    """

    def __init__(self, *args: Any, test_noise_rate: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.test_noise_rate = test_noise_rate
        self.noisy_test_losses: list[np.ndarray] = []  # (n_models,) per checkpoint
        self.test_errors: list[np.ndarray] = []  # (n_models,) per checkpoint

    @torch.no_grad()
    def evaluate(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        if split != "test":
            return super().evaluate(split)
        x, y = self.splits["test"]
        eta, n_classes = self.test_noise_rate, N_CLASSES
        clean = torch.zeros(self.n_models, dtype=torch.float64)
        noisy = torch.zeros(self.n_models, dtype=torch.float64)
        correct = torch.zeros(self.n_models, dtype=torch.float64)
        for start in range(0, len(y), self.eval_chunk):
            targets = y[start : start + self.eval_chunk].to(self.device)
            inputs = self.data.normalise(
                x[start : start + self.eval_chunk], self.device
            )
            # (K, chunk, classes)
            log_p = F.log_softmax(self.logits(inputs).double(), dim=2)
            index = targets.expand(self.n_models, -1).unsqueeze(2)  # (K, chunk, 1)
            true = log_p.gather(2, index).squeeze(2)  # (K, chunk): ln p_y
            others = (
                log_p.sum(dim=2) - true
            )  # (K, chunk): sum over k != y of ln p_k
            clean -= true.sum(dim=1).cpu()
            noisy -= (
                ((1 - eta) * true + eta / (n_classes - 1) * others).sum(1).cpu()
            )
            correct += (log_p.argmax(dim=2) == targets).sum(dim=1).cpu()
        loss, accuracy = (clean / len(y)).numpy(), (correct / len(y)).numpy()
        self.noisy_test_losses.append((noisy / len(y)).numpy())
        self.test_errors.append(1 - accuracy)
        return loss, accuracy


def train_noisy_mlps(
    config: MLPConfig,
    data: ImageSplits,
    seeds: tuple[int, ...],
    recipe: Recipe,
    noise_rate: float,
) -> list[dict[str, Any]]:
    """Train one MLP per seed with :func:`helpers.train.train_mlps` (stacked, batch order seed 0) on
    ``data`` whose labels are already corrupted at ``noise_rate``; one record per seed (Chapter 4).

    Each :class:`~helpers.results.TrainingRecord` gains ``early_stopped_noisy_test_loss`` (the test
    loss averaged over labels corrupted at ``noise_rate``, :class:`NoisyTestTask`) and
    ``early_stopped_test_error`` (clean labels), both at the checkpoint of lowest validation loss,
    where the record's ``early_stopped_test_loss`` is measured.
    """
    tasks: list[NoisyTestTask] = []

    def noisy_task(*args: Any, **kwargs: Any) -> NoisyTestTask:
        tasks.append(NoisyTestTask(*args, test_noise_rate=noise_rate, **kwargs))
        return tasks[-1]

    records = train_mlps(config, data, seeds, recipe, task_factory=noisy_task)
    (task,) = tasks
    steps = [point["step"] for point in records[0]["curve"]]
    rows = []
    for k, record in enumerate(records):
        # no finite validation loss (a diverged run): nothing to stop early at
        best = (
            steps.index(record["best_val_step"])
            if record["best_val_step"] is not None
            else None
        )
        rows.append(
            {
                **record,
                "early_stopped_noisy_test_loss": None
                if best is None
                else float(task.noisy_test_losses[best][k]),
                "early_stopped_test_error": None
                if best is None
                else float(task.test_errors[best][k]),
            }
        )
    return rows


LABEL_NOISE_FIELDS = (
    "noise_rate",
    "n_train",
    "seed",
    "width",
    "depth",
    "n_params",
    "steps",
    "best_val_step",
    "early_stopped_test_loss",
    "early_stopped_noisy_test_loss",
    "early_stopped_test_error",
    "test_loss",
    "train_loss",
    "train_accuracy",
    "wall_seconds",
)
"""The fields of each row of ``ch04_label_noise`` (one per noise rate, training-set size and seed). The
``early_stopped_*`` losses and error are measured at the checkpoint of lowest (noisy) validation loss;
``test_loss``, ``train_loss`` and ``train_accuracy`` at the end of training, the last two on the first
5,000 training images with their corrupted labels."""


def label_noise_scaling(profile: Profile) -> dict[str, Any]:
    """Early-stopped test loss of MNIST MLPs (width 256, depth 2) against training-set size, with the
    training and validation labels corrupted at each rate ``eta`` of :data:`NOISE_RATES` (Chapter 4).

    Each size is a nested, class-balanced subset (:func:`helpers.data.mnist_splits`); its labels and
    those of the validation split are corrupted by :func:`noisy_splits`; the test labels stay clean.
    Training follows :data:`helpers.train.MLP_LONG_RECIPE` (scaled down, with 12 checkpoints, in
    ``smoke`` and ``workshop``), stopping once the (noisy) validation loss has stopped improving.
    Each row reports, at the
    checkpoint of lowest validation loss, the test loss on clean labels, whose floor for a model
    calibrated to the noise is :func:`clean_label_floor`, and on labels corrupted at ``eta``, whose
    floor for any model is :func:`noisy_label_entropy`: ``L(D) = E + B / D^beta`` with ``E`` at least
    that floor.
    """
    sizes = profile.select(
        smoke=[250, 500, 1000, 2000],
        workshop=[500, 1000, 2000, 4000, 8000],
        full=[500, 1000, 2000, 4000, 8000, 16000, 32000],
    )
    seeds = profile.select(smoke=(0,), workshop=(0, 1), full=(0, 1))
    n_val = profile.select(smoke=1000, workshop=2000, full=5000)
    # fewer checkpoints in smoke and workshop: there, evaluation costs more than training
    recipe = replace(
        MLP_LONG_RECIPE.scaled(profile.select(smoke=0.1, workshop=0.3, full=1.0)),
        checkpoints=profile.select(smoke=12, workshop=12, full=24),
    )
    config = MLPConfig(width=256, depth=2)
    began = time.perf_counter()
    rows = []
    for n_train in sizes:
        clean = mnist_splits(n_train, n_val=n_val, n_test=profile.n_test)
        for rate in NOISE_RATES:
            records = train_noisy_mlps(
                config, noisy_splits(clean, rate), seeds, recipe, rate
            )
            rows += [
                {
                    "noise_rate": rate,
                    **{field: r[field] for field in LABEL_NOISE_FIELDS[1:]},
                }
                for r in records
            ]
    return {
        "config": {
            "width": config.width,
            "depth": config.depth,
            "noise_rates": list(NOISE_RATES),
            "sizes": sizes,
            "seeds": list(seeds),
            "n_val": n_val,
            "n_test": len(clean.test_y),
            "recipe": asdict(recipe),
            "noise": "exactly round(eta * n) training and validation labels, drawn by a seeded "
            "generator, each replaced by one of the 9 other classes uniformly; test labels clean",
            "threads": torch.get_num_threads(),
            "wall_seconds": time.perf_counter() - began,
        },
        "rows": rows,
    }


DOUBLE_DESCENT_FIELDS = (
    "width",
    "n_params",
    "seed",
    "steps",
    "train_loss",
    "train_error",
    "test_loss",
    "test_error",
    "early_stopped_test_loss",
    "best_val_step",
    "wall_seconds",
)
"""The fields of each row of ``ch04_double_descent`` (one per width and seed)."""


def double_descent(profile: Profile) -> dict[str, Any]:
    """Final training and test loss and error of one-hidden-layer MNIST MLPs against width, on a small
    training set with 20% of its labels corrupted (:func:`noisy_splits`), trained for a fixed number of
    steps without early stopping (Chapter 4).

    Widths are log-spaced from 2 hidden units to far past the width at which the training labels,
    noise included, are first fitted exactly (training error near 0, the *interpolation threshold*).
    Nakkiran et al. (2019) found test error peaking near that threshold and falling again beyond it,
    for convolutional networks, ResNets and transformers; this experiment asks whether a plain MLP on
    MNIST does the same. The training error is measured on the first 5,000 training images, that is,
    on all of them here, with their corrupted labels; the test set is clean.
    """
    n_train = profile.select(smoke=1000, workshop=4000, full=4000)
    widths = profile.select(
        smoke=[4, 16, 64, 256],
        workshop=[2, 4, 8, 12, 16, 24, 32, 48, 64, 128, 256, 512],
        full=[2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024],
    )
    seeds = profile.select(smoke=(0,), workshop=(0, 1), full=(0, 1, 2))
    steps = profile.select(smoke=500, workshop=3000, full=4000)
    noise_rate = 0.2
    recipe = replace(
        MLP_RECIPE,
        name="mlp-mnist-double-descent",
        min_steps=steps,
        max_steps=steps,
        checkpoints=8,
    )
    data = noisy_splits(
        mnist_splits(n_train, n_val=1000, n_test=profile.n_test), noise_rate
    )
    began = time.perf_counter()
    rows = []
    for width in widths:
        for record in train_mlps(
            MLPConfig(width=width, depth=1), data, seeds, recipe
        ):
            record = {
                **record,
                "train_error": 1 - record["train_accuracy"],
                "test_error": 1 - record["test_accuracy"],
            }
            rows.append({field: record[field] for field in DOUBLE_DESCENT_FIELDS})
    return {
        "config": {
            "n_train": n_train,
            "noise_rate": noise_rate,
            "depth": 1,
            "widths": widths,
            "seeds": list(seeds),
            "n_val": 1000,
            "n_test": len(data.test_y),
            "recipe": asdict(recipe),
            "epochs": steps * recipe.batch_size / n_train,
            "noise": "exactly round(0.2 * n) training and validation labels, drawn by a seeded "
            "generator, each replaced by one of the 9 other classes uniformly; test labels clean",
            "threads": torch.get_num_threads(),
            "wall_seconds": time.perf_counter() - began,
        },
        "rows": rows,
    }
