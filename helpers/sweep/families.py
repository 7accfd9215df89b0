"""The model families a sweep can train: for each, its dataset, its recipe and how one job is trained.

A job is a list of runs that differ only in their seed (:func:`helpers.sweep._jobs`); the family's
``train`` loads the data once for the job and returns one record per run, in the job's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from helpers.train import MLP_RECIPE, Recipe
from helpers.train_cnn import CNN_RECIPE
from helpers.train_text import TRANSFORMER_RECIPE

if TYPE_CHECKING:
    from helpers.sweep import RunSpec


@dataclass(frozen=True)
class Family:
    """``train(job, recipe, n_test)``: the records of a job's runs, trained with ``recipe`` (the family's
    recipe with the job's step scale applied) and evaluated on ``n_test`` test examples (``None``: all)."""

    name: str
    dataset: str
    recipe: Recipe
    train: Callable[[list["RunSpec"], Recipe, int | None], list[dict[str, Any]]]


def _seeds(job: list["RunSpec"]) -> tuple[int, ...]:
    return tuple(spec.seed for spec in job)


def _train_mlp(job: list["RunSpec"], recipe: Recipe, n_test: int | None) -> list[dict[str, Any]]:
    from helpers.processing import apply_processing
    from helpers.train import mnist_splits, train_mlps

    first = job[0]
    data, augment_shift = apply_processing(first.processing, mnist_splits(first.n_train, n_test=n_test))
    return train_mlps(first.width, first.depth, data, _seeds(job), recipe, augment_shift=augment_shift)


def _train_cnn(job: list["RunSpec"], recipe: Recipe, n_test: int | None) -> list[dict[str, Any]]:
    from helpers.train_cnn import cifar_splits, train_cnns

    first = job[0]
    return train_cnns(first.width, cifar_splits(first.n_train, n_test=n_test), _seeds(job), recipe)


def _train_transformer(job: list["RunSpec"], recipe: Recipe, n_test: int | None) -> list[dict[str, Any]]:
    from helpers.train_text import shakespeare_splits, train_transformers

    first = job[0]
    data = shakespeare_splits(first.n_train, n_heldout=n_test)
    return train_transformers(first.width, first.depth, data, _seeds(job), recipe)


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family("mlp", "mnist", MLP_RECIPE, _train_mlp),
        Family("cnn", "cifar10", CNN_RECIPE, _train_cnn),
        Family("transformer", "tinyshakespeare", TRANSFORMER_RECIPE, _train_transformer),
    )
}
