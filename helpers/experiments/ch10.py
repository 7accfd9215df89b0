"""Chapter 10, "The big-data era" (section 10.1): data pruning on MNIST (``ch10_data_pruning``).

Sorscher et al. (2022) showed that with a good score for how useful each training example is, keeping
only part of a data set can make the error fall faster than a power law of the kept set's size. This
module asks what a *simple* score does at this course's scale:

1. :func:`probe_scores`: a small probe network, trained briefly on a separate set of MNIST training
   images, scores every image of a *pool* by its loss on that image's label, ``-ln p(y | x)``. A high
   loss marks an image the probe finds hard (unusual handwriting, an ambiguous digit, a wrong label);
   the probe never saw the pool.
2. :func:`prune`: keep ``n`` images of the pool, the hardest, the easiest, or a random class-balanced
   subset, with the same number of images of each class in all three.
3. :func:`data_pruning`: train the same MLP on each kept set and record its early-stopped test loss
   and error.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import Any

import numpy as np
import torch

from helpers.data.splits import ImageSplits, mnist_splits
from helpers.experiments.ch04 import train_noisy_mlps
from helpers.models.mlp import N_CLASSES, MLPConfig
from helpers.profiles import Profile
from helpers.train.mlp import sequential_mlp, train_sequential
from helpers.train.recipes import MLP_LONG_RECIPE

STRATEGIES = ("random", "hardest", "easiest")
"""How :func:`prune` chooses the kept images (Chapter 10)."""

PROBE = MLPConfig(width=64, depth=2)
"""The probe's shape (Chapter 10): a narrow network of Chapter 3's family."""


def probe_scores(probe: torch.nn.Module, data: ImageSplits) -> np.ndarray:
    """The difficulty score of each training image of ``data``: the probe's cross-entropy on its
    label, ``-ln p(y | x)`` in nats, shape ``(n_train,)`` (Chapter 10). Higher is harder."""
    with torch.inference_mode():
        log_p = torch.log_softmax(
            probe(data.normalise(data.train_x, torch.device("cpu"))).double(), dim=1
        )
    return (-log_p.gather(1, data.train_y.view(-1, 1)).squeeze(1)).numpy()


def prune(
    scores: np.ndarray, labels: np.ndarray, n_keep: int, strategy: str
) -> np.ndarray:
    """The sorted indices of the ``n_keep`` images kept by ``strategy`` (Chapter 10).

    ``"random"`` keeps the first ``n_keep`` images: the pool is a prefix of a seeded, class-balanced
    random order (:func:`helpers.data.nested_subsets`), so this is the same nested random subset every
    data sweep of the course trains on. ``"hardest"`` and ``"easiest"`` keep, of each class, as many
    images as that random subset holds, those of highest or lowest ``scores`` (ties broken by position),
    so that all three kept sets have the same class counts and differ only in which images they hold.
    """
    scores, labels = np.asarray(scores), np.asarray(labels)
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if scores.shape != labels.shape or scores.ndim != 1:
        raise ValueError(
            f"scores and labels must be 1-D arrays of one length, got shapes "
            f"{scores.shape} and {labels.shape}"
        )
    if not 0 < n_keep <= len(labels):
        raise ValueError(f"n_keep={n_keep} must lie in 1..{len(labels)} (the pool)")
    if strategy == "random":
        return np.arange(n_keep)
    quota = np.bincount(labels[:n_keep], minlength=int(labels.max()) + 1)
    kept = []
    for cls, count in enumerate(quota):
        members = np.flatnonzero(labels == cls)
        # stable sort: among equal scores the earlier image comes first
        order = members[np.argsort(scores[members], kind="stable")]
        kept.append(order[::-1][:count] if strategy == "hardest" else order[:count])
    return np.sort(np.concatenate(kept))


def kept_splits(data: ImageSplits, index: np.ndarray) -> ImageSplits:
    """``data`` with only the training images at ``index`` (Chapter 10)."""
    where = torch.from_numpy(index)
    return replace(data, train_x=data.train_x[where], train_y=data.train_y[where])


PRUNING_FIELDS = (
    "strategy",
    "n_keep",
    "seed",
    "n_params",
    "steps",
    "best_val_step",
    "early_stopped_test_loss",
    "early_stopped_test_error",
    "test_loss",
    "train_loss",
    "train_accuracy",
    "mean_score",
    "probe_error",
    "wall_seconds",
)
"""The fields of each row of ``ch10_data_pruning`` (one per strategy, kept size and seed). The
``early_stopped_*`` numbers are measured at the checkpoint of lowest validation loss; ``mean_score`` is
the mean probe loss of the kept images and ``probe_error`` the fraction of them the probe
misclassifies. The whole pool appears once, with strategy ``"all"``."""


def data_pruning(profile: Profile) -> dict[str, Any]:
    """Early-stopped test loss and error of MNIST MLPs (width 256, depth 2) trained on ``n`` images
    kept from a pool by each of :data:`STRATEGIES`, and on the whole pool (Chapter 10).

    The pool is the course's nested class-balanced subset of ``pool`` training images
    (:func:`helpers.data.mnist_splits`); the probe set is the next ``n_probe`` images of the same
    random order, disjoint from the pool. The probe (:data:`PROBE`) trains for ``probe_steps`` steps of
    Adam (:func:`helpers.train.mlp.train_sequential`) and scores the pool (:func:`probe_scores`).
    Each kept set trains as Chapter 4's runs do (:data:`helpers.train.MLP_LONG_RECIPE`, scaled down in
    ``smoke`` and ``workshop``; one stack of seeds, the same batch order), through
    :func:`helpers.experiments.ch04.train_noisy_mlps` with noise rate 0, which adds the early-stopped
    test error to each record. Validation and test labels are clean.
    """
    pool = profile.select(smoke=2000, workshop=8000, full=16000)
    kept_sizes = profile.select(
        smoke=[250, 500, 1000],
        workshop=[1000, 2000, 4000],
        full=[1000, 2000, 4000, 8000],
    )
    n_probe = profile.select(smoke=1000, workshop=4000, full=4000)
    probe_steps = profile.select(smoke=100, workshop=300, full=300)
    seeds = profile.select(smoke=(0,), workshop=(0, 1), full=(0, 1))
    n_val = profile.select(smoke=1000, workshop=2000, full=5000)
    recipe = replace(
        MLP_LONG_RECIPE.scaled(profile.select(smoke=0.1, workshop=0.3, full=1.0)),
        checkpoints=profile.select(smoke=12, workshop=12, full=24),
    )
    config = MLPConfig(width=256, depth=2)
    began = time.perf_counter()
    both = mnist_splits(pool + n_probe, n_val=n_val, n_test=profile.n_test)
    data = kept_splits(both, np.arange(pool))
    probe_data = kept_splits(both, np.arange(pool, pool + n_probe))
    torch.manual_seed(0)
    probe = train_sequential(sequential_mlp(PROBE), probe_data, probe_steps)
    scores = probe_scores(probe, data)
    labels = data.train_y.numpy()
    with torch.inference_mode():
        predicted = (
            probe(data.normalise(data.train_x, torch.device("cpu")))
            .argmax(1)
            .numpy()
        )
    probe_wrong = predicted != labels
    plan = [(s, n) for n in kept_sizes for s in STRATEGIES] + [("all", pool)]
    rows = []
    for strategy, n_keep in plan:
        index = (
            np.arange(pool)
            if strategy == "all"
            else prune(scores, labels, n_keep, strategy)
        )
        records = train_noisy_mlps(
            config, kept_splits(data, index), seeds, recipe, 0.0
        )
        summary = {
            "strategy": strategy,
            "n_keep": len(index),
            "mean_score": float(scores[index].mean()),
            "probe_error": float(probe_wrong[index].mean()),
        }
        rows += [
            {
                field: summary[field] if field in summary else r[field]
                for field in PRUNING_FIELDS
            }
            for r in records
        ]
    return {
        "config": {
            "width": config.width,
            "depth": config.depth,
            "pool": pool,
            "kept_sizes": kept_sizes,
            "strategies": list(STRATEGIES),
            "seeds": list(seeds),
            "n_val": n_val,
            "n_test": len(data.test_y),
            "recipe": asdict(recipe),
            "probe": {
                "width": PROBE.width,
                "depth": PROBE.depth,
                "n_train": n_probe,
                "steps": probe_steps,
                "optimiser": "Adam 1e-3, batches of 128 drawn with replacement, seed 0",
                "error_on_pool": float(probe_wrong.mean()),
            },
            "score": "the probe's cross-entropy -ln p(y|x) on each pool image's label; "
            "higher is harder",
            "selection": "per class, as many images as the random subset of the same size "
            "holds: the highest or lowest scores",
            "n_classes": N_CLASSES,
            "threads": torch.get_num_threads(),
            "wall_seconds": time.perf_counter() - began,
        },
        "rows": rows,
    }
