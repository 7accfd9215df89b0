"""Chapter 1, "Your first scaling law": a nearest-neighbour classifier's learning curve on MNIST."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from helpers.data import load_dataset
from helpers.learning_curve import curve_as_rows, measure_learning_curve
from helpers.profiles import Profile

MNIST_TRAIN = 60_000


def knn_learning_curve(profile: Profile, seed: int = 0) -> dict[str, Any]:
    """Test error of 1-nearest-neighbour (Euclidean, raw pixels) on nested MNIST subsets.

    Sizes double from ``largest / 64`` to ``largest`` (seven points, six doublings); the book fits
    the first six and checks the prediction at the seventh.
    (Chapter 1, notebook 01)
    """
    largest = profile.select(smoke=8_000, workshop=30_000, full=MNIST_TRAIN)
    sizes = [largest // 2**k for k in range(6, -1, -1)]
    images, labels = load_dataset("mnist", "train")
    test_images, test_labels = load_dataset("mnist", "test")
    n_test = profile.n_test or len(test_labels)
    features = images.reshape(len(images), -1).astype(np.float32)  # (60000, 784)
    # (n_test, 784)
    test_features = test_images[:n_test].reshape(n_test, -1).astype(np.float32)
    points = measure_learning_curve(
        lambda: KNeighborsClassifier(n_neighbors=1, algorithm="brute"),
        (features, labels),
        (test_features, test_labels[:n_test]),
        sizes,
        seed=seed,
    )
    return {
        "config": {
            "classifier": "1-NN, Euclidean, raw pixels",
            "n_test": n_test,
            "seed": seed,
        },
        "rows": curve_as_rows(points),
    }
