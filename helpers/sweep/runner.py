"""Running a sweep: the runs missing from its results file, grouped into jobs, on a pool of workers (Chapter 3).

Running a sweep trains only the runs whose keys are missing from its append-only results file
(:mod:`helpers.results`), so an interrupted sweep resumes where it stopped. Only the process that owns
the file writes to it (workers return records), and an advisory lock keeps two processes from running
the same sweep at once.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import torch
from tqdm import tqdm

from helpers.profiles import Profile
from helpers.results import (
    MissingResultsError,
    RunRecord,
    append_rows,
    read_rows,
    regenerate_command,
    repair_tail,
    results_dir,
)
from helpers.sweep.grids import RunSpec, get_sweep
from helpers.train.families import FAMILIES, Job
from helpers.train.recipes import get_recipe


def results_path(name: str, profile: Profile) -> Path:
    """``results/<name>.jsonl`` for the committed profile, ``results/<name>.<profile>.jsonl`` otherwise.
    (Chapter 3)"""
    suffix = "" if profile.uses_committed_results else f".{profile.name}"
    return results_dir() / f"{name}{suffix}.jsonl"


def group_into_jobs(specs: list[RunSpec]) -> list[list[RunSpec]]:
    """Group runs that differ only in seed and share their batch order: each group is one job (a stack,
    for the MLP). Longest jobs first (Chapter 3)."""
    groups: dict[tuple, list[RunSpec]] = {}
    for spec in specs:
        shape = (
            spec.family,
            spec.dataset,
            spec.width,
            spec.depth,
            spec.n_train,
            spec.step_scale,
            spec.processing,
            spec.order_seed,
        )
        groups.setdefault(shape, []).append(spec)
    return sorted(
        groups.values(), key=lambda group: -group[0].width * group[0].n_train
    )


def train_job(
    specs: list[RunSpec], threads: int, n_test: int | None
) -> list[RunRecord]:
    """Train one job (runs differing only in seed) with ``threads`` CPU threads; one record per run (Chapter 3)."""
    torch.set_num_threads(threads)
    first = specs[0]
    family = FAMILIES[first.family]
    job = Job(
        first.width,
        first.depth,
        first.n_train,
        first.processing,
        tuple(spec.seed for spec in specs),
        first.order_seed,
    )
    recipe = get_recipe(first.recipe, first.recipe_version)
    records = family.train(job, recipe.scaled(first.step_scale), n_test)
    return [
        RunRecord(
            **record,
            key=spec.key,
            processing=spec.processing,
            step_scale=spec.step_scale,
        )
        for spec, record in zip(specs, records)
    ]


def _train_task(
    arguments: tuple[list[RunSpec], int, int | None],
) -> list[RunRecord]:
    return train_job(*arguments)


def pending_runs(name: str, profile: Profile) -> list[RunSpec]:
    """The runs of the sweep that are not yet in its results file (Chapter 3)."""
    done = {row["key"] for row in read_rows(results_path(name, profile))}
    return [spec for spec in get_sweep(name).runs(profile) if spec.key not in done]


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an advisory lock beside ``path`` so that two processes never train the same sweep at once
    (for example two notebooks run in parallel); the second waits, then finds the runs done."""
    try:
        import fcntl
    # Windows: no advisory locks; run one sweep process at a time
    except ImportError:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_sweep(
    name: str,
    profile: Profile,
    *,
    workers: int = 1,
    threads: int | None = None,
    progress: bool = True,
) -> Path:
    """Train every missing run of sweep ``name`` under ``profile``; return the results file (Chapter 3).

    Each of the ``workers`` processes uses ``threads`` CPU threads (default: the cores divided among
    the workers). On a machine busy with other work, one thread per worker avoids threads waiting on
    each other: a width-256 MLP step measured 40 times slower with two threads than with one while
    other processes held the cores (Chapter 4).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    path = results_path(name, profile)
    with _exclusive(path):
        _run_pending(name, profile, path, workers, threads, progress)
    return path


def _run_pending(
    name: str,
    profile: Profile,
    path: Path,
    workers: int,
    threads: int | None,
    progress: bool,
) -> None:
    repair_tail(path)
    jobs = group_into_jobs(pending_runs(name, profile))
    threads = threads or max(1, (os.cpu_count() or 1) // workers)
    tasks = [(job, threads, profile.n_test) for job in jobs]
    bar = tqdm(
        total=sum(len(job) for job in jobs),
        desc=f"sweep {name} ({profile.name})",
        unit="run",
        disable=not progress or not jobs,
    )
    with bar:
        if workers == 1 or len(jobs) <= 1:
            for rows in map(_train_task, tasks):
                append_rows(path, rows)
                bar.update(len(rows))
        else:
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                for rows in pool.imap_unordered(_train_task, tasks):
                    append_rows(path, rows)
                    bar.update(len(rows))


def sweep_results(
    name: str, profile: Profile, *, workers: int = 1
) -> list[RunRecord]:
    """The sweep's records for ``profile`` (Chapter 3): committed under ``full``, trained where missing
    otherwise. Each is a :class:`helpers.results.RunRecord`."""
    if profile.uses_committed_results:
        missing = pending_runs(name, profile)
        if missing:
            raise MissingResultsError(
                f"{results_path(name, profile)} lacks {len(missing)} of the sweep's runs. Produce them with "
                f"`{regenerate_command(name, profile.name)} --workers 2` (or run the notebook with "
                f"SCALING_BOOK_PROFILE=workshop, which trains a smaller grid)."
            )
    else:
        run_sweep(name, profile, workers=workers)
    wanted = {spec.key for spec in get_sweep(name).runs(profile)}
    return [
        row
        for row in read_rows(results_path(name, profile))
        if row["key"] in wanted
    ]
