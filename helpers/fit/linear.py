"""Linear regression by least squares and by gradient descent (Chapter 2, "Linear regression", notebook 02a).

The model is ``y = b0 + b1 x1 + ... + bp xp``; in matrix form ``y = X theta`` with a leading column of
ones in ``X``. Both methods minimise the mean squared error ``J(theta) = ||X theta - y||^2 / m``:

* **least squares** solves the normal equations ``X^T X theta = X^T y`` (here via ``numpy.linalg.lstsq``,
  which uses an SVD and stays accurate when ``X^T X`` is badly conditioned);
* **gradient descent** repeats ``theta <- theta - eta * grad J = theta - eta * (2/m) X^T (X theta - y)``
  from ``theta = 0`` until the gradient vanishes, keeping the loss of every iteration.

The error analysis follows the standard decomposition, which holds for least squares with an intercept:

    SST = sum (y_i - mean(y))^2        total variation
    SSR = sum (yhat_i - mean(y))^2     explained by the regression
    SSE = sum (y_i - yhat_i)^2         left in the residuals
    SST = SSR + SSE,   R^2 = 1 - SSE / SST,   MSE = SSE / m,   RMSE = sqrt(MSE)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from helpers.fit._checks import (
    ConvergenceError,
    as_finite_1d,
    check_enough_points,
    check_same_length,
    check_varies,
)

METHODS = ("lstsq", "gd")
# The width LinearFit.__str__ wraps at: the site's code column holds about 85
# characters.
_STR_WIDTH = 84


@dataclass(frozen=True)
class LinearFit:
    """A fitted linear model with its error analysis (Chapter 2, notebook 02a).

    Attributes:
        intercept: ``b0``.
        coef: ``(b1, ..., bp)``.
        method: ``"lstsq"`` or ``"gd"``.
        mse, rmse, r2: mean squared error, its square root, and the coefficient of determination.
        sst, ssr, sse: total, regression (explained) and error (residual) sums of squares.
        n_points: the number of observations ``m``.
        loss_curve: for gradient descent, the MSE before each iteration; empty for least squares.
    """

    intercept: float
    coef: tuple[float, ...]
    method: str
    mse: float
    rmse: float
    r2: float
    sst: float
    ssr: float
    sse: float
    n_points: int
    loss_curve: tuple[float, ...] = field(default=(), repr=False)

    def predict(self, X: ArrayLike) -> float | np.ndarray:
        """``b0 + X @ coef`` for ``X`` of shape ``(m,)`` (one feature) or ``(m, p)`` (Chapter 2, 02a).

        Like a numpy function: for a one-feature model a scalar ``x`` gives a ``float``; an array gives
        an array of ``m`` predictions.
        """
        if np.ndim(X) == 0:
            return float(self.predict(np.atleast_1d(X))[0])
        features = _as_design(X, len(self.coef))
        return self.intercept + features @ np.asarray(self.coef)

    def parameters(self) -> dict[str, float]:
        """The fitted parameters by name (``b0``, ``b1``, ...), for :func:`helpers.fit.bootstrap`
        (Chapter 2, notebook 02c)."""
        return {
            "b0": self.intercept,
            **{f"b{j + 1}": c for j, c in enumerate(self.coef)},
        }

    def __str__(self) -> str:
        # One group per line (the equation; the errors; the sums of squares), the
        # equation's terms wrapped, so that a printed fit fits the site's code column
        # of about 85 characters.
        lines = [f"LinearFit[{self.method}](y = {self.intercept:.4g}"]
        for j, c in enumerate(self.coef):
            term = f"{c:+.4g}*x{j + 1}"
            if len(lines[-1]) + 1 + len(term) > _STR_WIDTH - 1:
                lines.append(" ")
            lines[-1] += f" {term}"
        lines[-1] += ";"
        lines.append(
            f"  MSE = {self.mse:.4g}, RMSE = {self.rmse:.4g}, R² = {self.r2:.4f};"
        )
        lines.append(
            f"  SST {self.sst:.4g} = SSR {self.ssr:.4g} + SSE {self.sse:.4g}; "
            f"{self.n_points} points)"
        )
        return "\n".join(lines)


def _as_design(X: ArrayLike, n_features: int | None = None) -> np.ndarray:
    features = np.asarray(X, dtype=np.float64)
    if features.ndim == 1:
        features = features[:, None]
    if features.ndim != 2:
        raise ValueError(
            f"X must have shape (m,) or (m, p), got {features.shape}; pass one row of features per "
            f"observation"
        )
    if not np.all(np.isfinite(features)):
        bad_rows = np.flatnonzero(~np.all(np.isfinite(features), axis=1))
        raise ValueError(
            f"X contains non-finite values {features[bad_rows].ravel()} in rows {bad_rows}; "
            f"drop those rows first"
        )
    if n_features is not None and features.shape[1] != n_features:
        raise ValueError(
            f"X has {features.shape[1]} features, the model was fitted with {n_features}; pass X of shape "
            f"(m, {n_features}), with the columns in the order used for the fit"
        )
    return features


def _gradient_descent(
    design: np.ndarray,
    y: np.ndarray,
    learning_rate: float,
    max_iterations: int,
    tolerance: float,
) -> tuple[np.ndarray, list[float]]:
    m = len(y)
    theta = np.zeros(design.shape[1])
    losses = []
    for _ in range(max_iterations):
        residual = design @ theta - y  # (m,)
        loss = float(residual @ residual / m)
        if not np.isfinite(loss) or (
            losses and loss > 1e6 * max(losses[0], 1e-300)
        ):
            raise ConvergenceError(
                f"gradient descent diverged (MSE {loss:.3g} after {len(losses)} iterations) with "
                f"learning_rate={learning_rate}; use a smaller learning rate, or centre and scale X"
            )
        losses.append(loss)
        gradient = 2.0 / m * design.T @ residual  # (p + 1,)
        if np.max(np.abs(gradient)) <= tolerance * max(1.0, np.max(np.abs(y))):
            return theta, losses
        theta = theta - learning_rate * gradient
    last = " -> ".join(f"{loss:.6g}" for loss in losses[-2:])
    raise ConvergenceError(
        f"gradient descent did not converge in {max_iterations} iterations (MSE still changing: "
        f"{last}); raise max_iterations or the learning rate, or centre X"
    )


def fit_linear(
    X: ArrayLike,
    y: ArrayLike,
    method: str = "lstsq",
    *,
    learning_rate: float = 0.1,
    max_iterations: int = 100_000,
    tolerance: float = 1e-10,
) -> LinearFit:
    """Fit ``y = b0 + X @ b`` by ordinary least squares (Chapter 2, notebook 02a).

    Args:
        X: features, ``(m,)`` or ``(m, p)``.
        y: targets, ``(m,)``.
        method: ``"lstsq"`` (SVD least squares) or ``"gd"`` (gradient descent from zero).
        learning_rate, max_iterations, tolerance: for ``"gd"`` only; it stops when every component of
            the gradient is below ``tolerance`` (relative to ``max |y|``) and raises
            :class:`ConvergenceError` if that does not happen or the loss blows up.
    """
    if method not in METHODS:
        raise ValueError(
            f"unknown method {method!r}: choose one of {', '.join(METHODS)}"
        )
    features = _as_design(X)
    targets = as_finite_1d(y, "y")
    m = check_same_length(X=features, y=targets)
    n_params = features.shape[1] + 1
    check_enough_points(m, n_params, "a linear model with intercept")
    design = np.column_stack([np.ones(m), features])  # (m, p + 1)
    if features.shape[1] == 1:
        check_varies(features[:, 0], "x")
    rank = np.linalg.matrix_rank(design)
    if rank < n_params:
        raise ValueError(
            f"the columns of X are constant or linearly dependent: with the intercept the design has rank "
            f"{rank}, not {n_params} (column ranges {np.ptp(features, axis=0)}); drop the redundant columns"
        )
    if method == "lstsq":
        theta, *_ = np.linalg.lstsq(design, targets, rcond=None)
        losses: list[float] = []
    else:
        if not learning_rate > 0:
            raise ValueError(
                f"learning_rate must be positive, got {learning_rate}; try 0.1 (the default), smaller "
                f"if gradient descent diverges"
            )
        if max_iterations < 1:
            raise ValueError(
                f"max_iterations must be at least 1, got {max_iterations}; the default is 100,000"
            )
        theta, losses = _gradient_descent(
            design, targets, learning_rate, max_iterations, tolerance
        )
    fitted = design @ theta
    mean = targets.mean()
    sse = float(((targets - fitted) ** 2).sum())
    ssr = float(((fitted - mean) ** 2).sum())
    sst = float(((targets - mean) ** 2).sum())
    return LinearFit(
        intercept=float(theta[0]),
        coef=tuple(float(c) for c in theta[1:]),
        method=method,
        mse=sse / m,
        rmse=float(np.sqrt(sse / m)),
        r2=1.0 - sse / sst if sst > 0 else 1.0,
        sst=sst,
        ssr=ssr,
        sse=sse,
        n_points=m,
        loss_curve=tuple(losses),
    )
