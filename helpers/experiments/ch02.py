"""Chapter 2, "Nonlinear models": how an SVM, a random forest and an MLP scale with data on MNIST."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from helpers.data import load_dataset
from helpers.learning_curve import curve_as_rows, measure_learning_curve
from helpers.profiles import Profile


def classifier_recipes(
    profile: Profile, seed: int
) -> dict[str, Callable[[], ClassifierMixin]]:
    """The three classifiers, with the settings the book states.

    * SVM: RBF kernel, ``C = 10``, ``gamma = 1 / (784 * var(X))`` (scikit-learn's ``"scale"``).
    * Random forest: 200 trees (50 in ``smoke``), unlimited depth, ``sqrt(784)`` features per split.
    * MLP: one hidden layer of 256 ReLU units, Adam (learning rate 1e-3), batches of 128, up to
      100 epochs (30 in ``smoke``, 60 in ``workshop``), stopping early when the training loss stalls.
    (Chapter 2, notebook 02b)
    """
    trees = profile.select(smoke=50, workshop=200, full=200)
    epochs = profile.select(smoke=30, workshop=60, full=100)
    return {
        "SVM (RBF kernel)": lambda: SVC(kernel="rbf", C=10.0, gamma="scale"),
        "random forest": lambda: RandomForestClassifier(
            n_estimators=trees, n_jobs=2, random_state=seed
        ),
        "MLP (256 hidden)": lambda: MLPClassifier(
            hidden_layer_sizes=(256,),
            batch_size=128,
            max_iter=epochs,
            random_state=seed,
        ),
    }


def classifier_scaling(profile: Profile, seed: int = 0) -> dict[str, Any]:
    """Test error and fit time of each classifier on nested MNIST subsets of doubling size.
    (Chapter 2, notebook 02b)"""
    sizes = profile.select(
        smoke=[250, 500, 1000, 2000],
        workshop=[250, 500, 1000, 2000, 4000, 8000],
        full=[500, 1000, 2000, 4000, 8000, 16000, 32000],
    )
    images, labels = load_dataset("mnist", "train")
    test_images, test_labels = load_dataset("mnist", "test")
    n_test = profile.select(smoke=1000, workshop=5000, full=len(test_labels))
    # (60000, 784) in [0, 1]
    features = images.reshape(len(images), -1).astype(np.float32) / 255.0
    test_features = (
        test_images[:n_test].reshape(n_test, -1).astype(np.float32) / 255.0
    )
    rows = []
    with warnings.catch_warnings():
        # the MLP's epoch cap is the recipe
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, make in classifier_recipes(profile, seed).items():
            points = measure_learning_curve(
                make,
                (features, labels),
                (test_features, test_labels[:n_test]),
                sizes,
                seed=seed,
            )
            rows += [{"classifier": name, **row} for row in curve_as_rows(points)]
    return {
        "config": {"n_test": n_test, "seed": seed, "sizes": sizes},
        "rows": rows,
    }
