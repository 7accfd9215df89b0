"""Input checks shared by the planner's modules (Chapter 7)."""

from __future__ import annotations

import math

import numpy as np


def check_positive(value: float, name: str, hint: str) -> float:
    """``value`` as a float, or a ``ValueError`` naming it and the fix (Chapter 7)."""
    if not (isinstance(value, (int, float, np.floating, np.integer))) or not (
        math.isfinite(value) and value > 0
    ):
        raise ValueError(
            f"{name} must be a positive finite number, got {value!r}; {hint}"
        )
    return float(value)
