"""Learning curves on a synthetic task, and the plot helpers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from helpers.fit import fit_power_law
from helpers.learning_curve import curve_as_rows, measure_learning_curve
from helpers.plot import compact_number, log_log_axes, new_figure, plot_power_law


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 0.0], [1.5, 0.0], [0.0, 1.5]])
    return centres[labels] + rng.normal(0, 0.6, size=(n, 2)), labels


def test_learning_curve_measures_each_size():
    train, test = blobs(4000, 0), blobs(2000, 1)
    sizes = [50, 200, 800, 3200]
    points = measure_learning_curve(
        lambda: KNeighborsClassifier(n_neighbors=1), train, test, sizes
    )
    assert [p.n_train for p in points] == sizes
    for point in points:
        assert point.test_error == point.test_mistakes / 2000
        assert point.fit_seconds >= 0 and point.score_seconds >= 0
    assert points[-1].test_error < points[0].test_error  # more data helps
    assert set(curve_as_rows(points)[0]) == {
        "n_train",
        "test_mistakes",
        "test_error",
        "fit_seconds",
        "score_seconds",
    }


@pytest.mark.parametrize(
    "value, text",
    [
        (2000, "2k"),
        (1.5e6, "1.5M"),
        (0.05, "0.05"),
        (0, "0"),
        (3e9, "3G"),
        (500, "500"),
    ],
)
def test_compact_number(value, text):
    assert compact_number(value) == text


def test_log_log_plot_with_fitted_law():
    law = fit_power_law([1e3, 1e4, 1e5], [0.1, 0.05, 0.025])
    fig, ax = new_figure()
    plot_power_law(ax, law, (1e3, 1e5), x_name="n", y_name="L", label="fit")
    log_log_axes(ax)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    (line,) = ax.get_lines()
    assert (
        line.get_label().startswith("fit: $L = ")
        and "n^{-0.301}" in line.get_label()
    )
    np.testing.assert_allclose(line.get_ydata()[[0, -1]], law.predict([1e3, 1e5]))
    with pytest.raises(
        ValueError,
        match=r"0 < low < high, got \(10, 1\); pass \(smallest x, largest x\)",
    ):
        plot_power_law(ax, law, (10, 1))
    # no labels asked for, none set
    assert ax.get_xlabel() == ax.get_ylabel() == ax.get_title() == ""


def test_log_log_axes_sets_labels_and_title_in_the_same_call():
    fig, ax = new_figure()
    ax.plot([1e3, 1e5], [0.1, 0.02])
    returned = log_log_axes(
        ax,
        xlabel="training images $n$",
        ylabel="test error",
        title="A learning curve",
    )
    assert returned is ax
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert (
        ax.get_xlabel() == "training images $n$" and ax.get_ylabel() == "test error"
    )
    assert ax.get_title() == "A learning curve"
    ax.set_ylabel("kept")
    # omitted labels leave the current ones alone
    log_log_axes(ax, title="new title")
    assert ax.get_xlabel() == "training images $n$" and ax.get_ylabel() == "kept"
    assert ax.get_title() == "new title"


def test_tick_labels_thin_out_over_many_decades():
    fig, ax = new_figure()
    ax.plot([1e4, 1e9], [20.0, 2.0])
    log_log_axes(ax)
    fig.canvas.draw()
    x_labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    # powers of ten only over five decades
    assert "20k" not in x_labels and "10k" in x_labels
    y_labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "5" in y_labels  # one decade: 1-2-5 labels
