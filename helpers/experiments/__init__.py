"""The course's named experiments: each computes one results table for a profile (Preface, "Profiles").

A notebook asks for an experiment's results with :func:`experiment_results`. Under the ``full``
profile (the site build) they are read from the committed ``results/<name>.json``; under ``smoke``
and ``workshop`` they are computed live, at the size the profile allows. From the shell::

    scaling-book list
    scaling-book run NAME --profile full     # (re)writes results/NAME.json
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.experiments import ch01, ch02, ch04, ch10
from helpers.names import lookup
from helpers.profiles import Profile
from helpers.results import (
    ExperimentResults,
    read_results,
    regenerate_command,
    results_dir,
    write_json_atomic,
)


@dataclass(frozen=True)
class Experiment:
    """A named computation from a profile to a JSON-ready results table (Preface, "Profiles")."""

    name: str
    description: str
    run: Callable[[Profile], dict[str, Any]]


EXPERIMENTS: dict[str, Experiment] = {
    exp.name: exp
    for exp in (
        Experiment(
            name="ch01_knn_learning_curve",
            description="1-nearest-neighbour test error on MNIST against training-set size",
            run=ch01.knn_learning_curve,
        ),
        Experiment(
            name="ch02_classifier_scaling",
            description="SVM, random forest and MLP on MNIST: test error and fit time against data size",
            run=ch02.classifier_scaling,
        ),
        Experiment(
            name="ch04_label_noise",
            description="MNIST MLP data scaling with training labels corrupted at rates 0 to 0.4: "
            "early-stopped test loss on clean and on noisy labels",
            run=ch04.label_noise_scaling,
        ),
        Experiment(
            name="ch04_double_descent",
            description="one-hidden-layer MNIST MLPs of many widths on 4,000 images with 20% of "
            "labels corrupted, trained without early stopping: final train and test error",
            run=ch04.double_descent,
        ),
        Experiment(
            name="ch10_data_pruning",
            description="MNIST MLPs trained on the images kept from a pool by a probe's loss "
            "(hardest, easiest) or at random: early-stopped test loss and error",
            run=ch10.data_pruning,
        ),
    )
}


def get_experiment(name: str) -> Experiment:
    """Return the experiment called ``name``; raise ``ValueError`` listing the choices otherwise.
    (Preface, "Profiles")"""
    return lookup(EXPERIMENTS, name, "experiment")


def compute_results(name: str, profile: Profile) -> ExperimentResults:
    """Run experiment ``name`` under ``profile`` and wrap its table with how it was made (Preface, "Profiles")."""
    experiment = get_experiment(name)
    return {
        "experiment": name,
        "description": experiment.description,
        "profile": profile.name,
        "command": regenerate_command(name, profile.name),
        **experiment.run(profile),
    }


def experiment_results(name: str, profile: Profile) -> ExperimentResults:
    """The results of ``name`` for ``profile`` (Chapters 1–2): read from ``results/`` under ``full``, else
    computed."""
    get_experiment(name)
    if profile.uses_committed_results:
        results = read_results(name)
        if results.get("profile") != profile.name:
            raise ValueError(
                f"results/{name}.json was made under profile {results.get('profile')!r}, not "
                f"{profile.name!r}; regenerate it with `{regenerate_command(name, profile.name)}`"
            )
        return results
    return compute_results(name, profile)


def results_file(name: str, profile: Profile) -> Path:
    """``results/<name>.json`` for the committed profile, ``results/<name>.<profile>.json`` otherwise.
    (Preface, "Profiles")"""
    suffix = "" if profile.uses_committed_results else f".{profile.name}"
    return results_dir() / f"{name}{suffix}.json"


def save_results(name: str, profile: Profile) -> Path:
    """Compute experiment ``name`` under ``profile`` and write its :func:`results_file` atomically.
    (Preface, "Profiles")"""
    return write_json_atomic(
        results_file(name, profile), compute_results(name, profile)
    )
