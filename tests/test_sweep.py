"""Sweeps: stable keys, an append-only file that survives crashes, and resumption after SIGKILL."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from helpers.profiles import get_profile
from helpers.results import (
    RESULTS_ENV,
    MissingResultsError,
    RunRecord,
    append_rows,
    read_rows,
    repair_tail,
)
from helpers.sweep import (
    Grid,
    RunSpec,
    Sweep,
    get_sweep,
    pending_runs,
    sweep_results,
)
from helpers.train.recipes import get_recipe

SPEC = RunSpec("mlp", "mnist", 64, 2, 1000, 0, 1.0, "mlp-mnist", 1)


def test_run_keys_are_stable_and_distinguish_every_field():
    assert SPEC.key == RunSpec(**dataclasses.asdict(SPEC)).key
    assert len(SPEC.key) == 16
    changed = [
        dataclasses.replace(SPEC, **{field.name: value})
        for field, value in zip(
            dataclasses.fields(SPEC),
            ("cnn", "cifar10", 65, 3, 1001, 1, 0.5, "other", 2, "pca50", 1),
        )
    ]
    assert len({spec.key for spec in changed} | {SPEC.key}) == len(changed) + 1


def test_a_field_at_its_default_leaves_existing_keys_unchanged():
    fields = {
        name: value
        for name, value in dataclasses.asdict(SPEC).items()
        if name not in ("processing", "order_seed")
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    assert SPEC.key == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    assert dataclasses.replace(SPEC, processing="pca50").key != SPEC.key
    assert dataclasses.replace(SPEC, order_seed=1).key != SPEC.key


def spec_of(row: RunRecord) -> RunSpec:
    """The run a record describes, rebuilt from the record's own fields."""
    return RunSpec(
        row["family"],
        row["dataset"],
        row["width"],
        row["depth"],
        row["n_train"],
        row["seed"],
        row["step_scale"],
        row["recipe"]["name"],
        row["recipe"]["version"],
        row["processing"],
        row["order_seed"],
    )


def test_committed_sweeps_are_complete_and_every_record_has_the_schema():
    for name in (
        "mnist_mlp",
        "mnist_processing",
        "mnist_mlp_joint",
        "shakespeare_transformer",
        "shakespeare_schedule_check",
    ):
        assert pending_runs(name, get_profile("full")) == [], name
        for row in sweep_results(name, get_profile("full")):
            assert set(row) == set(RunRecord.__annotations__), name
            assert spec_of(row).key == row["key"]
            assert row["units_seen"] == row["steps"] * row["units_per_step"]
            assert row["train_flops"] == row["units_seen"] * row["flops_per_unit"]


def test_partial_last_line_is_reported_ignored_and_repaired(tmp_path):
    path = tmp_path / "rows.jsonl"
    append_rows(path, [{"key": "a"}, {"key": "b"}])
    with path.open("ab") as handle:
        handle.write(b'{"key": "c", "test_lo')  # a write cut short by a crash
    with pytest.warns(UserWarning, match="incomplete line"):
        assert [row["key"] for row in read_rows(path)] == ["a", "b"]
    with pytest.warns(UserWarning, match="partial last line of 21 bytes"):
        repair_tail(path)
    append_rows(path, [{"key": "c"}])
    assert [row["key"] for row in read_rows(path)] == ["a", "b", "c"]
    assert path.read_bytes().count(b"\n") == 3


def test_full_profile_reports_missing_runs_with_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    with pytest.raises(
        MissingResultsError,
        match="scaling-book run mnist_mlp --profile full --workers 2",
    ):
        sweep_results("mnist_mlp", get_profile("full"))


def sweep_command(results: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, RESULTS_ENV: str(results), "PYTHONUNBUFFERED": "1"}
    return [
        sys.executable,
        "-m",
        "helpers",
        "run",
        "mnist_mlp",
        "--profile",
        "smoke",
    ], env


@pytest.mark.real_data
def test_sweep_killed_with_sigkill_resumes_without_losing_or_repeating_runs(
    real_data_root, tmp_path
):
    command, env = sweep_command(tmp_path)
    path = tmp_path / "mnist_mlp.smoke.jsonl"
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (
        not path.exists() or path.read_bytes().count(b"\n") < 1
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    expected = {
        spec.key for spec in get_sweep("mnist_mlp").runs(get_profile("smoke"))
    }
    finished = {row["key"] for row in read_rows(path)}
    assert 1 <= len(finished) < len(expected), "the kill should land mid-sweep"
    with path.open("ab") as handle:  # and as if the kill had also cut a write short
        handle.write(b'{"key": "partial')
    subprocess.run(
        command,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the resumed run repaired the partial line
        rows = read_rows(path)
    keys = [row["key"] for row in rows]
    assert sorted(keys) == sorted(expected)  # every run exactly once
    assert all(json.loads(line) for line in path.read_text().splitlines())


@pytest.mark.real_data
def test_two_processes_running_one_sweep_train_each_run_once(
    real_data_root, tmp_path
):
    command, env = sweep_command(tmp_path)
    first = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    second = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    assert first.wait() == 0 and second.wait() == 0
    keys = [row["key"] for row in read_rows(tmp_path / "mnist_mlp.smoke.jsonl")]
    assert (
        len(keys)
        == len(set(keys))
        == len(get_sweep("mnist_mlp").runs(get_profile("smoke")))
    )


def test_sweeps_of_other_families_use_their_recipe_and_refuse_what_does_not_apply():
    smoke = get_profile("smoke")
    cnn_runs = get_sweep("cifar_cnn").runs(smoke)
    assert {
        (spec.family, spec.dataset, spec.recipe, spec.depth) for spec in cnn_runs
    } == {("cnn", "cifar10", "cnn-cifar10", 5)}
    text_runs = get_sweep("shakespeare_transformer").runs(smoke)
    assert {(spec.dataset, spec.recipe) for spec in text_runs} == {
        ("tinyshakespeare", "transformer-shakespeare")
    }
    grid = Grid(widths=(1,), depths=(5,), n_trains=(100,), seeds=(0,))
    with pytest.raises(
        ValueError,
        match="unknown model family 'rnn': choose one of mlp, cnn, transformer",
    ):
        Sweep("s", "", {"smoke": grid}, family="rnn")
    with pytest.raises(
        ValueError,
        match=r"processings \('pca50',\) are not all available to the cnn family",
    ):
        Sweep(
            "s",
            "",
            {"smoke": dataclasses.replace(grid, processings=("pca50",))},
            family="cnn",
        )
    with pytest.raises(
        ValueError,
        match=r"depths \(3,\) are not the cnn family's; it has depths \(5,\)",
    ):
        Sweep(
            "s", "", {"smoke": dataclasses.replace(grid, depths=(3,))}, family="cnn"
        )


@pytest.mark.real_data
@pytest.mark.parametrize("name", ["cifar_cnn", "shakespeare_transformer"])
def test_cnn_and_transformer_sweeps_train_on_the_real_data(
    real_data_root, tmp_path, monkeypatch, name
):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    smoke = get_profile("smoke")
    rows = sweep_results(name, smoke)
    assert sorted(row["key"] for row in rows) == sorted(
        spec.key for spec in get_sweep(name).runs(smoke)
    )
    for row in rows:
        assert set(row) == set(RunRecord.__annotations__) and not row["diverged"]
        assert spec_of(row).key == row["key"]
        assert (
            row["curve"][-1]["test_loss"]
            == row["test_loss"]
            < row["curve"][0]["test_loss"]
        )
    assert pending_runs(name, smoke) == []


def test_varying_the_batch_order_gives_each_seed_its_own_order_and_job():
    from helpers.sweep.runner import group_into_jobs

    grid = Grid(widths=(8,), depths=(1,), n_trains=(100,), seeds=(0, 1, 2))
    shared = Sweep("s", "", {"smoke": grid}).runs(get_profile("smoke"))
    varied = Sweep(
        "s", "", {"smoke": dataclasses.replace(grid, vary_order=True)}
    ).runs(get_profile("smoke"))
    assert [spec.order_seed for spec in shared] == [0, 0, 0] and [
        spec.order_seed for spec in varied
    ] == [0, 1, 2]
    assert [len(job) for job in group_into_jobs(shared)] == [3]  # one stack
    # a stack shares its batches
    assert [len(job) for job in group_into_jobs(varied)] == [
        1,
        1,
        1,
    ]
    # order 0 is the old default
    assert varied[0].key == shared[0].key and varied[1].key != shared[1].key


def test_a_sweep_trains_with_its_own_recipe_and_refuses_a_changed_one():
    from helpers.train.recipes import MLP_LONG_RECIPE, MLP_RECIPE, get_recipe

    joint = get_sweep("mnist_mlp_joint").runs(get_profile("full"))
    assert {(spec.recipe, spec.recipe_version) for spec in joint} == {
        (MLP_LONG_RECIPE.name, MLP_LONG_RECIPE.version)
    }
    chapter3 = get_sweep("mnist_mlp").runs(get_profile("full"))
    assert {spec.recipe for spec in chapter3} == {MLP_RECIPE.name}
    # each seed of the joint sweep draws its own batch order
    assert {(spec.seed, spec.order_seed) for spec in joint} == {(0, 0), (1, 1)}
    assert get_recipe("mlp-mnist-long", MLP_LONG_RECIPE.version) is MLP_LONG_RECIPE
    with pytest.raises(ValueError, match="at version 2 in this code, not 7"):
        get_recipe("mlp-mnist-long", 7)
    with pytest.raises(ValueError, match="mlp-mnist-long"):
        get_recipe("mlp-mnist-longer")


def test_schedule_check_retrains_corners_of_the_text_sweep_with_a_doubled_schedule():
    for profile in ("smoke", "workshop", "full"):
        main = {
            (s.width, s.n_train, s.seed, s.order_seed): s
            for s in get_sweep("shakespeare_transformer").runs(get_profile(profile))
        }
        for check in get_sweep("shakespeare_schedule_check").runs(
            get_profile(profile)
        ):
            twin = main[(check.width, check.n_train, check.seed, check.order_seed)]
            assert check.step_scale == twin.step_scale
            assert check.recipe == "transformer-shakespeare-long"
            long_recipe = get_recipe(check.recipe).scaled(check.step_scale)
            short_recipe = get_recipe(twin.recipe).scaled(twin.step_scale)
            windows = check.n_train // long_recipe.context
            # twice the steps, up to the rounding of each schedule to whole steps
            doubled = long_recipe.steps_for(windows) - 2 * short_recipe.steps_for(
                windows
            )
            assert abs(doubled) <= 1
