"""Learning curves: test error of a classifier as its training set grows (Chapter 1, notebook 01;
Chapter 2, notebook 02b).

:func:`measure_learning_curve` trains a fresh estimator on each of a series of nested, class-balanced
training subsets (see :func:`helpers.data.nested_subsets`) and records its test error and fit time.
Any scikit-learn-style estimator works: an object with ``fit(X, y)`` and ``predict(X)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

from helpers.data import nested_subsets


class Classifier(Protocol):
    """What :func:`measure_learning_curve` needs of a classifier: scikit-learn's ``fit`` and ``predict``.

    The 1-nearest-neighbour of Chapter 1, notebook 01; the SVM, forest and MLP of Chapter 2, notebook 02b.
    """

    def fit(self, X: np.ndarray, y: np.ndarray) -> Any:
        """Train on features ``X`` and labels ``y`` (Chapter 1, notebook 01)."""

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The predicted label of each row of ``X`` (Chapter 1, notebook 01)."""


@dataclass(frozen=True)
class CurvePoint:
    """One point of a learning curve: a training-set size, its test error and timings (Chapter 1,
    notebook 01; Chapter 2, notebook 02b)."""

    n_train: int
    test_mistakes: int
    test_error: float
    fit_seconds: float
    score_seconds: float


def measure_learning_curve(
    make_classifier: Callable[[], Classifier],
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    sizes: Sequence[int],
    *,
    seed: int = 0,
) -> list[CurvePoint]:
    """Test error (the fraction of test examples misclassified) of ``make_classifier()`` trained on
    nested subsets of ``sizes``.

    Chapter 1, notebook 01 measures the book's first learning curve with it (1-nearest-neighbour on
    MNIST); Chapter 2, notebook 02b the curves of three classic classifiers.

    ``train`` and ``test`` are ``(features, labels)`` with features already shaped for the
    classifier (for example flattened to ``(n, 784)``).
    """
    features, labels = train
    test_features, test_labels = test
    points = []
    for size, index in zip(sizes, nested_subsets(labels, sizes, seed)):
        classifier = make_classifier()
        start = time.perf_counter()
        classifier.fit(features[index], labels[index])
        fitted = time.perf_counter()
        mistakes = int((classifier.predict(test_features) != test_labels).sum())
        points.append(
            CurvePoint(
                n_train=int(size),
                test_mistakes=mistakes,
                test_error=mistakes / len(test_labels),
                fit_seconds=fitted - start,
                score_seconds=time.perf_counter() - fitted,
            )
        )
    return points


def curve_as_rows(points: Sequence[CurvePoint]) -> list[dict[str, float]]:
    """The curve as a list of plain dicts, for a results file (the rows notebooks 01 and 02b read,
    Chapters 1 and 2)."""
    return [asdict(point) for point in points]
