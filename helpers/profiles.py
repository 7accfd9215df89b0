"""How much work a notebook does: the ``smoke``, ``workshop`` and ``full`` profiles.

One environment variable, ``SCALING_BOOK_PROFILE``, picks the profile for every notebook
(the preface, "How to run the course", explains the three). Each notebook reads it once::

    from helpers.profiles import current_profile
    profile = current_profile()
    train_sizes = profile.select(smoke=(250, 500, 1000), workshop=..., full=...)

Shared knobs (seeds, the cap on training examples) live on the :class:`Profile`; knobs that
only one experiment has are chosen with :meth:`Profile.select`, so that the three values
sit side by side where they are used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

PROFILE_ENV = "SCALING_BOOK_PROFILE"
DEFAULT_PROFILE = "workshop"


@dataclass(frozen=True)
class Profile:
    """A named budget for every notebook of the course.

    Attributes:
        name: ``"smoke"``, ``"workshop"`` or ``"full"``.
        purpose: one line saying who the profile is for.
        seconds_per_notebook: the time budget of one notebook on a 2-core CPU.
        max_train_examples: the largest training set any experiment uses.
        test_examples: how many test examples an evaluation uses (``None``: the whole test split).
        epochs: passes over the data for trained models (experiments may scale this).
        seeds: the seeds an experiment repeats over.
        uses_committed_results: ``True`` when expensive results are read from ``results/``
            rather than computed (the site build, which is too slow to train everything).
    """

    name: str
    purpose: str
    seconds_per_notebook: int
    max_train_examples: int
    test_examples: int | None
    epochs: int
    seeds: tuple[int, ...]
    uses_committed_results: bool

    def select(self, *, smoke: T, workshop: T, full: T) -> T:
        """Return the value given for this profile's name.

        >>> PROFILES["smoke"].select(smoke=1, workshop=2, full=3)
        1
        """
        return {"smoke": smoke, "workshop": workshop, "full": full}[self.name]


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        purpose="CI: checks that every notebook runs, in under a minute on 2 cores; not science",
        seconds_per_notebook=60,
        max_train_examples=4_000,
        test_examples=2_000,
        epochs=1,
        seeds=(0,),
        uses_committed_results=False,
    ),
    "workshop": Profile(
        name="workshop",
        purpose="a learner's laptop CPU: every notebook in under 5 minutes, results close to the book's",
        seconds_per_notebook=300,
        max_train_examples=30_000,
        test_examples=10_000,
        epochs=5,
        seeds=(0, 1),
        uses_committed_results=False,
    ),
    "full": Profile(
        name="full",
        purpose="the published results: the site is built from the files committed under results/",
        seconds_per_notebook=30,
        max_train_examples=60_000,
        test_examples=None,
        epochs=20,
        seeds=(0, 1, 2),
        uses_committed_results=True,
    ),
}


def get_profile(name: str) -> Profile:
    """Return the profile called ``name``; raise ``ValueError`` naming the choices otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        choices = ", ".join(PROFILES)
        raise ValueError(
            f"unknown profile {name!r}: choose one of {choices} "
            f"(for example `export {PROFILE_ENV}=workshop`)"
        ) from None


def current_profile() -> Profile:
    """The profile named by ``$SCALING_BOOK_PROFILE`` (``workshop`` when it is unset)."""
    return get_profile(os.environ.get(PROFILE_ENV, DEFAULT_PROFILE).strip().lower())
