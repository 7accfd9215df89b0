"""Profiles: one environment variable picks how much work every notebook does."""

from __future__ import annotations

import dataclasses

import pytest

from helpers.profiles import PROFILE_ENV, PROFILES, current_profile, get_profile


def test_three_profiles_grow_in_cost():
    smoke, workshop, full = (PROFILES[n] for n in ("smoke", "workshop", "full"))
    # None: the whole test split
    assert smoke.n_test < workshop.n_test and full.n_test is None
    assert (
        full.uses_committed_results
        and not workshop.uses_committed_results
        and not smoke.uses_committed_results
    )


def test_select_picks_the_value_for_the_profile():
    assert [
        PROFILES[n].select(smoke="s", workshop="w", full="f") for n in PROFILES
    ] == ["s", "w", "f"]


def test_environment_variable_chooses(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, " Smoke ")
    assert current_profile().name == "smoke"
    monkeypatch.delenv(PROFILE_ENV)
    assert current_profile().name == "workshop"


def test_unknown_profile_names_the_choices(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "fast")
    with pytest.raises(
        ValueError,
        match="unknown profile 'fast': choose one of smoke, workshop, full",
    ):
        current_profile()


def test_profiles_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_profile("smoke").n_test = 100  # type: ignore[misc]
