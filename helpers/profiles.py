"""How much work a notebook does: the ``smoke``, ``workshop`` and ``full`` profiles.

One environment variable, ``SCALING_BOOK_PROFILE``, picks the profile for every notebook
(the preface, "How to run the course", explains the three). Each notebook reads it once::

    from helpers.profiles import current_profile
    profile = current_profile()
    train_sizes = profile.select(smoke=(250, 500, 1000), workshop=..., full=...)

The one knob every experiment shares (how much of the test split to evaluate on) lives on the
:class:`Profile`; knobs that only one experiment has are chosen with :meth:`Profile.select`, so
that the three values sit side by side where they are used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

from helpers.names import lookup

T = TypeVar("T")

PROFILE_ENV = "SCALING_BOOK_PROFILE"
DEFAULT_PROFILE = "workshop"


@dataclass(frozen=True)
class Profile:
    """A named budget for every notebook of the course (Preface, "How to run the course").

    Attributes:
        name: ``"smoke"``, ``"workshop"`` or ``"full"``.
        purpose: one line saying who the profile is for.
        n_test: how many test examples (images, or characters of each held-out split of a text)
            an evaluation uses; ``None``: the whole split.
        uses_committed_results: ``True`` when expensive results are read from ``results/``
            rather than computed (the site build, which is too slow to train everything).
    """

    name: str
    purpose: str
    n_test: int | None
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
        n_test=2_000,
        uses_committed_results=False,
    ),
    "workshop": Profile(
        name="workshop",
        purpose="a learner's laptop CPU: every notebook in under 5 minutes, results close to the book's",
        n_test=10_000,
        uses_committed_results=False,
    ),
    "full": Profile(
        name="full",
        purpose="the published results: the site is built from the files committed under results/",
        n_test=None,
        uses_committed_results=True,
    ),
}


def get_profile(name: str) -> Profile:
    """Return the profile called ``name``; raise ``ValueError`` naming the choices otherwise (Preface, "Profiles")."""
    return lookup(
        PROFILES, name, "profile", f" (for example `export {PROFILE_ENV}=workshop`)"
    )


def current_profile() -> Profile:
    """The profile named by ``$SCALING_BOOK_PROFILE`` (``workshop`` when it is unset) (Preface, "Profiles")."""
    return get_profile(os.environ.get(PROFILE_ENV, DEFAULT_PROFILE).strip().lower())
