"""Looking up a named thing (a profile, a dataset, a sweep, an experiment, a model family).

Every registry of the course is a ``dict`` from name to value; :func:`lookup` is the one way to read
it, so that a misspelt name always gets the same answer: what was asked for and what exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def lookup(registry: Mapping[str, T], name: str, kind: str, hint: str = "") -> T:
    """``registry[name]``, or a ``ValueError`` that names ``name`` and lists the known names of ``kind``.

    >>> lookup({"smoke": 1}, "smoke", "profile")
    1
    (Preface, "How the code is organised")
    """
    try:
        return registry[name]
    except KeyError:
        raise ValueError(
            f"unknown {kind} {name!r}: choose one of {', '.join(registry)}{hint}"
        ) from None
