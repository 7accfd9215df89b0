"""Fitting scaling laws (Chapters 1 and 2). Later chapters fit every law they show with these.

    fit_linear(X, y, method="lstsq" | "gd")      ordinary least squares, with SST = SSR + SSE
    fit_power_law(x, y, offset=False | True)      y = A x^-alpha, or y = E + A x^-alpha
    fit_joint(N, D, L, delta=1e-3)                L = E + A/N^alpha + B/D^beta (Hoffmann et al.)
    bootstrap(fit_fn, *data, n=..., seed=...)     standard errors and percentile intervals
    check_extrapolation(fit_fn, *data, held_out=mask)   fit small, predict large, relative errors
    fit_kaplan_joint(N, D, L), fit_plain_joint(N, D, L)  rival joint forms (Kaplan et al.; a plane)
    fit_broken_power_law(x, y, n_breaks=1)        Caballero et al.'s broken law (Chapter 6)

Every result is an immutable value with ``.predict(...)`` and ``.parameters()``, and prints its fit.
"""

from helpers.fit._checks import ConvergenceError
from helpers.fit.broken import (
    Break,
    BrokenPowerLaw,
    broken_power_law,
    fit_broken_power_law,
)
from helpers.fit.forms import (
    KaplanJointLaw,
    PlainJointLaw,
    fit_kaplan_joint,
    fit_plain_joint,
)
from helpers.fit.joint import JointLaw, fit_joint, hoffmann_grid
from helpers.fit.linear import LinearFit, fit_linear
from helpers.fit.power_law import PowerLaw, fit_power_law
from helpers.fit.uncertainty import (
    BootstrapResult,
    ExtrapolationCheck,
    bootstrap,
    check_extrapolation,
)

__all__ = [
    "BootstrapResult",
    "Break",
    "BrokenPowerLaw",
    "ConvergenceError",
    "ExtrapolationCheck",
    "JointLaw",
    "KaplanJointLaw",
    "LinearFit",
    "PlainJointLaw",
    "PowerLaw",
    "bootstrap",
    "broken_power_law",
    "check_extrapolation",
    "fit_broken_power_law",
    "fit_joint",
    "fit_kaplan_joint",
    "fit_linear",
    "fit_plain_joint",
    "fit_power_law",
    "hoffmann_grid",
]
