"""The model families a sweep can train, each with its dataset, recipe and how one job is trained (Chapter 3).

A *job* is a group of runs that differ only in their seed: the family loads the data once for the job,
trains it (as one stack for the MLP, one model at a time otherwise) and returns one record per seed,
in the order of the seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from helpers.data.processing import PROCESSINGS, apply_processing
from helpers.data.splits import cifar_splits, mnist_splits, shakespeare_splits
from helpers.models import CNNConfig, MLPConfig, TransformerConfig
from helpers.models.cnn import CNN_DEPTH
from helpers.names import lookup
from helpers.results import TrainingRecord
from helpers.train.cnn import train_cnns
from helpers.train.mlp import train_mlps
from helpers.train.recipes import CNN_RECIPE, MLP_RECIPE, TRANSFORMER_RECIPE, Recipe
from helpers.train.text import train_transformers


@dataclass(frozen=True)
class Job:
    """What one job trains: a shape (``width``, ``depth``), a data size, a processing and its seeds (Chapter 3)."""

    width: int
    depth: int
    n_train: int
    processing: str
    seeds: tuple[int, ...]
    order_seed: int = 0


@dataclass(frozen=True)
class Family:
    """A model family: ``train(job, recipe, n_test)`` returns the job's records, trained with ``recipe``
    (the family's :attr:`recipe` with the profile's step scale applied) and evaluated on ``n_test``
    held-out units (``None``: all). ``depths`` lists the only depths the family has (``None``: any);
    ``processings`` the data processings it can train on (Chapter 3)."""

    name: str
    dataset: str
    unit: str
    recipe: Recipe
    train: Callable[[Job, Recipe, int | None], list[TrainingRecord]]
    depths: tuple[int, ...] | None = None
    processings: tuple[str, ...] = ("none",)


def _train_mlp(
    job: Job, recipe: Recipe, n_test: int | None
) -> list[TrainingRecord]:
    data, augment_shift = apply_processing(
        job.processing, mnist_splits(job.n_train, n_test=n_test)
    )
    config = MLPConfig(job.width, job.depth, n_inputs=data.train_x.shape[1])
    return train_mlps(
        config,
        data,
        job.seeds,
        recipe,
        augment_shift=augment_shift,
        order_seed=job.order_seed,
    )


def _train_cnn(
    job: Job, recipe: Recipe, n_test: int | None
) -> list[TrainingRecord]:
    data = cifar_splits(job.n_train, n_test=n_test)
    return train_cnns(
        CNNConfig(job.width), data, job.seeds, recipe, order_seed=job.order_seed
    )


def _train_transformer(
    job: Job, recipe: Recipe, n_test: int | None
) -> list[TrainingRecord]:
    data = shakespeare_splits(job.n_train, n_val=n_test, n_test=n_test)
    if recipe.context is None:
        raise ValueError(
            f"recipe {recipe.name!r} has no context length; a language model needs one"
        )
    config = TransformerConfig(
        len(data.vocabulary),
        d_model=job.width,
        n_layers=job.depth,
        context=recipe.context,
    )
    return train_transformers(
        config, data, job.seeds, recipe, order_seed=job.order_seed
    )


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family(
            "mlp", "mnist", "image", MLP_RECIPE, _train_mlp, processings=PROCESSINGS
        ),
        Family(
            "cnn", "cifar10", "image", CNN_RECIPE, _train_cnn, depths=(CNN_DEPTH,)
        ),
        Family(
            "transformer",
            "tinyshakespeare",
            "character",
            TRANSFORMER_RECIPE,
            _train_transformer,
        ),
    )
}


def get_family(name: str) -> Family:
    """The family called ``name`` (``"mlp"``, ``"cnn"`` or ``"transformer"``) (Chapter 3)."""
    return lookup(FAMILIES, name, "model family")
