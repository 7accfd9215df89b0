"""Results files and experiments: atomic writes, the site reads committed results, live runs elsewhere."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import experiments
from helpers.experiments import experiment_results
from helpers.profiles import get_profile
from helpers.results import (
    RESULTS_ENV,
    MissingResultsError,
    column,
    mean_over_seeds,
    read_results,
    select,
    write_json_atomic,
)


def test_atomic_write_leaves_only_the_file(tmp_path):
    path = write_json_atomic(tmp_path / "r.json", {"rows": [1, 2]})
    assert json.loads(path.read_text()) == {"rows": [1, 2]}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_failed_write_keeps_the_old_file(tmp_path):
    path = write_json_atomic(tmp_path / "r.json", {"version": 1})
    with pytest.raises(TypeError):
        # not serialisable, fails midway
        write_json_atomic(path, {"version": object()})
    assert json.loads(path.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_missing_results_name_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    with pytest.raises(
        MissingResultsError,
        match="scaling-book run ch01_knn_learning_curve --profile full",
    ):
        experiment_results("ch01_knn_learning_curve", get_profile("full"))


def test_full_profile_reads_and_checks_the_committed_file(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    write_json_atomic(
        tmp_path / "ch01_knn_learning_curve.json", {"profile": "full", "rows": []}
    )
    assert (
        experiment_results("ch01_knn_learning_curve", get_profile("full"))["rows"]
        == []
    )
    write_json_atomic(
        tmp_path / "ch01_knn_learning_curve.json", {"profile": "smoke", "rows": []}
    )
    with pytest.raises(ValueError, match="made under profile 'smoke', not 'full'"):
        experiment_results("ch01_knn_learning_curve", get_profile("full"))


def test_other_profiles_compute_live(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    calls = []
    fake = experiments.Experiment(
        "ch01_knn_learning_curve",
        "fake",
        lambda profile: calls.append(profile.name) or {"rows": [profile.name]},
    )
    monkeypatch.setitem(experiments.EXPERIMENTS, "ch01_knn_learning_curve", fake)
    results = experiment_results("ch01_knn_learning_curve", get_profile("smoke"))
    assert calls == ["smoke"] and results["rows"] == ["smoke"]
    assert results["command"].endswith("--profile smoke")
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_unknown_experiment_lists_the_choices():
    with pytest.raises(
        ValueError,
        match="unknown experiment 'nope': choose one of ch01_knn_learning_curve",
    ):
        experiment_results("nope", get_profile("smoke"))


def test_committed_results_exist_for_every_experiment():
    for name in experiments.EXPERIMENTS:
        results = read_results(name)
        assert results["profile"] == "full" and results["experiment"] == name
        assert results["command"] == f"scaling-book run {name} --profile full"


def test_column_select_and_seed_means_on_records():
    rows = [
        {
            "width": w,
            "n_train": n,
            "seed": s,
            "n_params": 10 * w,
            "test_loss": float(w + n + s),
        }
        for w in (1, 2)
        for n in (100, 200)
        for s in (0, 1)
    ]
    chosen = select(rows, order_by=("n_train", "seed"), width=2)
    assert [(row["n_train"], row["seed"]) for row in chosen] == [
        (100, 0),
        (100, 1),
        (200, 0),
        (200, 1),
    ]
    assert column(chosen, "test_loss").tolist() == [102.0, 103.0, 202.0, 203.0]
    with pytest.raises(
        KeyError, match="rows have no field 'loss'; they have n_params, n_train"
    ):
        column(rows, "loss")
    summary = mean_over_seeds(rows, "test_loss")
    assert [(row["width"], row["n_train"]) for row in summary] == [
        (1, 100),
        (1, 200),
        (2, 100),
        (2, 200),
    ]
    first = summary[0]
    assert (
        first["test_loss"] == 101.5
        and first["n_seeds"] == 2
        and first["n_params"] == 10
    )
    assert first["test_loss_std"] == pytest.approx(np.sqrt(0.5))
