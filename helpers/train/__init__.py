"""Training runs with exact bookkeeping (Chapter 3): what was trained, on what, for how many FLOPs.

* :mod:`helpers.train.recipes`: :class:`Recipe` and the three families' recipes side by side.
* :mod:`helpers.train.loop`: the one training loop (:func:`train_loop` over a :class:`Task`),
  evaluation, checkpoints, and the records of a run (:class:`helpers.results.TrainingRecord`).
* :mod:`helpers.train.mlp`, :mod:`~helpers.train.cnn`, :mod:`~helpers.train.text`: what is particular
  to each family: :func:`train_mlps`, :func:`train_cnns`, :func:`train_transformers`.
* :mod:`helpers.train.families`: the registry a sweep trains through.
"""

from helpers.train.cnn import train_cnns
from helpers.train.loop import Task, default_device, train_loop
from helpers.train.mlp import train_mlps
from helpers.train.recipes import CNN_RECIPE, MLP_RECIPE, TRANSFORMER_RECIPE, Recipe
from helpers.train.text import train_transformers

__all__ = [
    "CNN_RECIPE",
    "MLP_RECIPE",
    "TRANSFORMER_RECIPE",
    "Recipe",
    "Task",
    "default_device",
    "train_cnns",
    "train_loop",
    "train_mlps",
    "train_transformers",
]
