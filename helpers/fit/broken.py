"""Broken neural scaling laws (Chapter 6, notebook 06a): a power law whose exponent changes at breaks.

Caballero et al. (2023) proposed the *broken neural scaling law* (BNSL) with ``n`` breaks,

    y = a + b x^(-c_0) prod_{i=1..n} (1 + (x / d_i)^(1 / f_i))^(-c_i f_i),

Far below a break (``x << d_i``) its factor is about 1; far above it, about ``(x / d_i)^(-c_i)``. So
on log-log axes the reducible part ``y - a`` is a straight line of slope ``-c_0`` for ``x`` below every
break, and each break ``i`` adds ``-c_i`` to the slope beyond ``d_i``. The *sharpness* ``f_i`` sets how
many decades the bend takes (small ``f_i``: a sharp corner). A negative ``c_i`` makes the curve turn
upwards, so two breaks can follow a descent, a rise and a second descent: double descent. With no
break it is the saturating power law ``y = a + b x^(-c_0)`` of :func:`helpers.fit.fit_power_law`.

The fit minimises the squared log residuals ``r_i = log(yhat_i) - log(y_i)`` (errors of equal *relative*
size count equally, which suits data spanning decades with roughly multiplicative noise), over
``(log a, log b, c_0, c_i, log d_i, log f_i)``, which keeps ``a, b, d_i, f_i`` positive. The BNSL's
objective has many local minima (a break can hide anywhere), so the fit starts from a grid: every
ordered choice of break locations among interior quantiles of ``log x``, every sharpness in a small
log-spaced set, both signs of each ``c_i``, plus seeded random starts; it keeps the best.

Each exponent is bounded, ``|c_i| <= max_exponent`` (20 unless told). With few points and two breaks a
fit can run into that bound, and then its exponents (and its floor) are set by the bound, not by the
data; :attr:`BrokenPowerLaw.at_bounds` names any parameter that ended at a bound, and refitting with a
looser ``max_exponent`` shows how much the forecast depends on it (notebook 06a).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import least_squares

from helpers.fit._checks import (
    ConvergenceError,
    as_positive_1d,
    as_positive_array,
    as_scalar_if_0d,
    check_enough_points,
    check_same_length,
    check_varies,
)

SHARPNESS_STARTS = (0.1, 0.3, 1.0)
"""Starting values of each break's sharpness ``f_i`` (Chapter 6, notebook 06a)."""

REFINED_STARTS = 8
"""How many of the best short runs are continued to convergence (Chapter 6, notebook 06a)."""

MAX_EXPONENT = 20.0
"""Default bound on ``|c_0|`` and each ``|c_i|`` (Chapter 6, notebook 06a)."""

_SHARPNESS_BOUNDS = (1e-3, 1e2)


@dataclass(frozen=True)
class Break:
    """One break of a :class:`BrokenPowerLaw` (Chapter 6, notebook 06a).

    Attributes:
        c: the change of the log-log slope of ``y - a`` across the break (beyond it the slope is
            ``-(c_0 + c_1 + ... + c_i)``); negative ``c`` turns the curve upwards.
        d: where the break is, in units of ``x``.
        f: its sharpness: the bend is spread over a range of ``ln x`` a few times ``f`` wide
            (small ``f``: a sharp corner).
    """

    c: float
    d: float
    f: float


@dataclass(frozen=True)
class BrokenPowerLaw:
    """A fitted ``y = a + b x^(-c_0) prod_i (1 + (x/d_i)^(1/f_i))^(-c_i f_i)`` (Chapter 6, 06a).

    Attributes:
        a: the floor (``0`` when fitted with ``offset=False``).
        b: the reducible part's scale: ``y - a = b`` at ``x = 1`` when every break is far above 1.
        c0: the log-log slope of ``y - a`` below every break, negated.
        breaks: the breaks, ordered by location ``d``.
        rms_log_residual: root-mean-square of ``log(yhat) - log(y)`` over the fitted points.
        n_points: how many points were fitted.
        at_bounds: the names (as in :meth:`parameters`) of fitted parameters that ended at a bound
            of the fit; such a parameter is set by the bound, not by the data.
    """

    a: float
    b: float
    c0: float
    breaks: tuple[Break, ...]
    rms_log_residual: float
    n_points: int
    at_bounds: tuple[str, ...] = ()

    @property
    def n_parameters(self) -> int:
        """How many numbers were fitted: ``a`` (if any), ``b``, ``c_0`` and three per break."""
        return (1 if self.a > 0 else 0) + 2 + 3 * len(self.breaks)

    def predict(self, x: ArrayLike) -> float | np.ndarray:
        """The law at ``x`` (positive), scalar in, scalar out, as numpy does (Chapter 6, 06a)."""
        log_x = np.log(as_positive_array(x, "x"))
        return as_scalar_if_0d(np.exp(_log_model(self._vector(), log_x)))

    def slope(self, x: ArrayLike) -> float | np.ndarray:
        """``d log(y - a) / d log x`` at ``x``, the local log-log slope of the reducible part:
        ``-c_0`` far below every break, ``-(c_0 + c_1 + ... + c_n)`` far above them (Chapter 6, 06a)."""
        log_x = np.log(as_positive_array(x, "x"))
        local = np.full_like(log_x, -self.c0)
        for brk in self.breaks:
            z = (log_x - np.log(brk.d)) / brk.f
            local = local - brk.c / (1.0 + np.exp(-z))  # logistic: 0 below, 1 above
        return as_scalar_if_0d(local)

    def parameters(self) -> dict[str, float]:
        """The fitted parameters by name (``c1, d1, f1`` for the first break, and so on)."""
        named = {"a": self.a, "b": self.b, "c0": self.c0}
        for i, brk in enumerate(self.breaks, start=1):
            named |= {f"c{i}": brk.c, f"d{i}": brk.d, f"f{i}": brk.f}
        return named

    def _vector(self) -> np.ndarray:
        log_a = np.log(self.a) if self.a > 0 else -np.inf
        values = [log_a, np.log(self.b), self.c0]
        for brk in self.breaks:
            values += [brk.c, np.log(brk.d), np.log(brk.f)]
        return np.array(values)

    def __str__(self) -> str:
        lines = [
            f"BrokenPowerLaw(y = {self.a:.4g} + {self.b:.4g} * x^-{self.c0:.3f}"
            + "".join(f" * B{i}(x)" for i in range(1, len(self.breaks) + 1))
            + ";"
        ]
        for i, brk in enumerate(self.breaks, start=1):
            lines.append(
                f"  B{i}: slope change c = {brk.c:+.3f} at d = {brk.d:.4g}, "
                f"sharpness f = {brk.f:.3g};"
            )
        bounded = (
            f"; at a bound: {', '.join(self.at_bounds)}" if self.at_bounds else ""
        )
        lines.append(
            f"  RMS log residual {self.rms_log_residual:.4f}, "
            f"{self.n_points} points{bounded})"
        )
        return "\n".join(lines)


def _log_model(params: np.ndarray, log_x: np.ndarray) -> np.ndarray:
    """``log yhat`` for the parameter vector ``(log a, log b, c_0, [c_i, log d_i, log f_i]...)``."""
    log_a, log_b, c0 = params[:3]
    log_reducible = log_b - c0 * log_x
    for c, log_d, log_f in params[3:].reshape(-1, 3):
        f = np.exp(log_f)
        # log(1 + (x/d)^(1/f)) = logaddexp(0, (log x - log d) / f): stable
        log_reducible = log_reducible - c * f * np.logaddexp(
            0.0, (log_x - log_d) / f
        )
    return np.logaddexp(log_a, log_reducible)


def _log_model_jacobian(params: np.ndarray, log_x: np.ndarray) -> np.ndarray:
    """``d log yhat / d params``, shape ``(n_points, n_params)``, for :func:`_log_model`.

    With ``R = log(y - a)``, ``z_i = (log x - log d_i) / f_i``, ``s`` the softplus and ``sigma`` the
    logistic function: ``d log yhat / d log a = 1 - w`` and ``d log yhat / d R = w``, where
    ``w = (y - a) / y``; ``dR/d log b = 1``, ``dR/dc_0 = -log x``, ``dR/dc_i = -f_i s(z_i)``,
    ``dR/d log d_i = c_i sigma(z_i)`` and ``dR/d log f_i = -c_i f_i (s(z_i) - z_i sigma(z_i))``.
    """
    log_a, log_b, c0 = params[:3]
    log_reducible = log_b - c0 * log_x
    columns = [np.ones_like(log_x), -log_x]
    for c, log_d, log_f in params[3:].reshape(-1, 3):
        f = np.exp(log_f)
        z = (log_x - log_d) / f
        softplus, logistic = np.logaddexp(0.0, z), 0.5 * (1.0 + np.tanh(0.5 * z))
        log_reducible = log_reducible - c * f * softplus
        columns += [-f * softplus, c * logistic, -c * f * (softplus - z * logistic)]
    share = np.exp(log_reducible - np.logaddexp(log_a, log_reducible))  # w
    jac = np.column_stack([1.0 - share] + [share * col for col in columns])
    return jac


def broken_power_law(
    x: ArrayLike,
    a: float,
    b: float,
    c0: float,
    breaks: tuple[Break, ...] = (),
) -> float | np.ndarray:
    """Evaluate ``a + b x^(-c_0) prod_i (1 + (x/d_i)^(1/f_i))^(-c_i f_i)`` (Chapter 6, notebook 06a).

    For synthetic data and for checking a law by hand; :class:`BrokenPowerLaw` ``.predict`` does the
    same for a fitted law. ``a`` may be 0 (no floor); ``b``, each ``d_i`` and ``f_i`` must be positive.
    """
    if a < 0 or b <= 0:
        raise ValueError(
            f"need a >= 0 and b > 0, got a = {a}, b = {b}; the law is defined "
            f"for a non-negative floor and a positive scale"
        )
    for brk in breaks:
        if brk.d <= 0 or brk.f <= 0:
            raise ValueError(
                f"a break needs d > 0 and f > 0, got {brk}; pass positive values"
            )
    law = BrokenPowerLaw(a, b, c0, tuple(breaks), float("nan"), 0)
    return law.predict(x)


def _starts(
    log_x: np.ndarray, log_y: np.ndarray, n_breaks: int, offset: bool, rng
) -> list[np.ndarray]:
    """Starting vectors: a grid over break locations, sharpnesses and slope-change signs, plus
    seeded random ones."""
    slope, intercept = np.polyfit(log_x, log_y, 1)
    c0 = float(np.clip(-slope, -2.0, 2.0))
    log_a = np.log(0.5 * np.exp(log_y.min())) if offset else -np.inf
    head = [log_a, intercept, c0]
    if n_breaks == 0:
        return [np.array(head)]
    locations = np.quantile(log_x, np.linspace(0.15, 0.85, 5))
    step = max(abs(c0), 0.5)
    starts = []
    for where in itertools.combinations(locations, n_breaks):
        for sharp in itertools.product(SHARPNESS_STARTS, repeat=n_breaks):
            for signs in itertools.product((-1.0, 1.0), repeat=n_breaks):
                tail = []
                for log_d, f, sign in zip(where, sharp, signs):
                    tail += [sign * step, log_d, np.log(f)]
                starts.append(np.array(head + tail))
    lo, hi = log_x.min(), log_x.max()
    for _ in range(8 * n_breaks):
        tail = []
        for log_d in np.sort(rng.uniform(lo, hi, n_breaks)):
            tail += [rng.normal(0, 2 * step), log_d, rng.uniform(-2.3, 0.7)]
        starts.append(np.array(head + tail))
    return starts


def _bounds(
    log_x: np.ndarray,
    log_y: np.ndarray,
    n_breaks: int,
    offset: bool,
    max_exponent: float,
) -> tuple[np.ndarray, np.ndarray]:
    span = log_x.max() - log_x.min()
    big = 50.0
    lower = [log_y.min() - big, -big, -max_exponent]
    upper = [log_y.max(), big, max_exponent]
    for _ in range(n_breaks):
        lower += [
            -max_exponent,
            log_x.min() - 0.5 * span,
            np.log(_SHARPNESS_BOUNDS[0]),
        ]
        upper += [
            max_exponent,
            log_x.max() + 0.5 * span,
            np.log(_SHARPNESS_BOUNDS[1]),
        ]
    if not offset:
        lower, upper = lower[1:], upper[1:]
    return np.array(lower), np.array(upper)


def fit_broken_power_law(
    x: ArrayLike,
    y: ArrayLike,
    n_breaks: int = 1,
    *,
    offset: bool = True,
    seed: int = 0,
    max_exponent: float = MAX_EXPONENT,
) -> BrokenPowerLaw:
    """Fit a broken neural scaling law with ``n_breaks`` breaks to ``(x, y)`` (Chapter 6, 06a).

    ``y = a + b x^(-c_0) prod_{i=1..n} (1 + (x/d_i)^(1/f_i))^(-c_i f_i)`` (Caballero et al. 2023), by
    least squares on ``log y`` from a grid of starts (module docstring); ``offset=False`` fixes
    ``a = 0``. ``n_breaks = 0`` is the saturating power law of :func:`helpers.fit.fit_power_law`
    (fitted here by plain rather than Huber least squares). ``seed`` fixes the random starts;
    ``max_exponent`` bounds ``|c_0|`` and every ``|c_i|``, and the result's ``at_bounds`` names any
    parameter that ended at a bound.

    The law has ``2 + 3 n`` parameters (``+ 1`` with the offset); this function refuses fewer points
    than parameters, but a fit with few spare points can pass through every one and still say little:
    judge it on held-out points (notebook 06a).

    Raises ``ValueError`` for mismatched lengths, too few points, non-positive or non-finite values,
    ``x`` values that are all equal, a negative ``n_breaks`` or a ``max_exponent`` that is not a
    positive number; raises :class:`ConvergenceError`
    if no start converges.
    """
    if not isinstance(n_breaks, int) or n_breaks < 0:
        raise ValueError(
            f"n_breaks must be a non-negative integer, got {n_breaks!r}; "
            f"pass 1 for one break"
        )
    if not np.isfinite(max_exponent) or max_exponent <= 0:
        raise ValueError(
            f"max_exponent must be a positive number, got {max_exponent!r}; "
            f"pass e.g. {MAX_EXPONENT}"
        )
    x = as_positive_1d(x, "x")
    y = as_positive_1d(y, "y")
    n_points = check_same_length(x=x, y=y)
    n_parameters = (1 if offset else 0) + 2 + 3 * n_breaks
    check_enough_points(
        n_points, n_parameters, f"a broken power law with {n_breaks} break(s)"
    )
    check_varies(x, "x")
    log_x, log_y = np.log(x), np.log(y)
    rng = np.random.default_rng(seed)
    lower, upper = _bounds(log_x, log_y, n_breaks, offset, max_exponent)

    def residuals(free: np.ndarray) -> np.ndarray:
        params = free if offset else np.concatenate([[-np.inf], free])
        return _log_model(params, log_x) - log_y

    def jacobian(free: np.ndarray) -> np.ndarray:
        params = free if offset else np.concatenate([[-np.inf], free])
        jac = _log_model_jacobian(params, log_x)
        return jac if offset else jac[:, 1:]

    def solve(start: np.ndarray, max_nfev: int):
        return least_squares(
            residuals,
            np.clip(start, lower + 1e-9, upper - 1e-9),
            bounds=(lower, upper),
            jac=jacobian,
            method="trf",
            x_scale="jac",
            max_nfev=max_nfev,
        )

    # a short run from every start, then the most promising few run to convergence
    starts = [
        s if offset else s[1:] for s in _starts(log_x, log_y, n_breaks, offset, rng)
    ]
    scouts = sorted(
        (solve(start, 5 * len(start)) for start in starts), key=lambda r: r.cost
    )
    best = None
    for scout in scouts[:REFINED_STARTS]:
        result = solve(scout.x, 500 * len(scout.x))
        if result.status > 0 and (best is None or result.cost < best.cost):
            best = result
    if best is None:
        raise ConvergenceError(
            f"no start of the {n_breaks}-break fit converged on {n_points} "
            f"points (x from {x.min():.3g} to {x.max():.3g}); try fewer breaks"
        )
    params = best.x if offset else np.concatenate([[-np.inf], best.x])
    order = np.argsort(params[4::3])  # breaks by location
    breaks = [
        Break(c=float(c), d=float(np.exp(log_d)), f=float(np.exp(log_f)))
        for c, log_d, log_f in params[3:].reshape(-1, 3)[order]
    ]
    return BrokenPowerLaw(
        a=float(np.exp(params[0])),
        b=float(np.exp(params[1])),
        c0=float(params[2]),
        breaks=tuple(breaks),
        rms_log_residual=float(np.sqrt(np.mean(best.fun**2))),
        n_points=n_points,
        at_bounds=_names_at_bounds(best.x, lower, upper, offset, order),
    )


def _names_at_bounds(
    free: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    offset: bool,
    order: np.ndarray,
) -> tuple[str, ...]:
    """The names of the fitted parameters within a hair of a bound, breaks numbered by location."""
    n_breaks = (len(free) - (3 if offset else 2)) // 3
    slot = {i: rank for rank, i in enumerate(order, start=1)}
    names = (["a"] if offset else []) + ["b", "c0"]
    for i in range(n_breaks):
        names += [f"{p}{slot[i]}" for p in ("c", "d", "f")]
    tolerance = 1e-6 * np.maximum(1.0, upper - lower)
    hit = (free - lower < tolerance) | (upper - free < tolerance)
    return tuple(name for name, is_hit in zip(names, hit) if is_hit)
