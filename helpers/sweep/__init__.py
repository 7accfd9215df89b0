"""Sweeps: named grids of training runs whose results are kept in append-only files (Chapter 3).

A sweep is a grid over model sizes, data sizes and seeds, defined per profile. Each finished run is
one JSON line in ``results/<sweep>.jsonl`` (``results/<sweep>.<profile>.jsonl`` for the ``smoke`` and
``workshop`` profiles, which are not committed), keyed by a stable hash of its configuration and the
recipe version. Running a sweep trains only the runs whose keys are missing, so an interrupted sweep
resumes where it stopped. Lines are appended with one ``write`` each by a single writer; a process
killed mid-write leaves at most one partial last line, which the reader reports and ignores, and which
the next run truncates before appending.

    python -m helpers.sweep list
    python -m helpers.sweep run NAME [--profile P] [--workers K]
    python -m helpers.sweep status NAME [--profile P]
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import multiprocessing
import os
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from helpers.processing import PROCESSINGS
from helpers.profiles import Profile
from helpers.results import MissingResultsError, results_dir
from helpers.sweep.families import FAMILIES


@dataclass(frozen=True)
class RunSpec:
    """One training run: everything that determines its result."""

    family: str
    dataset: str
    width: int
    depth: int
    n_train: int
    seed: int
    step_scale: float
    recipe: str
    recipe_version: int
    processing: str = "none"

    @property
    def key(self) -> str:
        """A stable hash of the configuration: the run's identity in a results file.

        Fields left at their default value are not hashed, so adding a field with a default never
        changes the keys of results already recorded.
        """
        fields = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                  if field.default is dataclasses.MISSING or getattr(self, field.name) != field.default}
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Grid:
    """The runs of a sweep under one profile: every combination of the listed values."""

    widths: tuple[int, ...]
    depths: tuple[int, ...]
    n_trains: tuple[int, ...]
    seeds: tuple[int, ...]
    step_scale: float = 1.0
    processings: tuple[str, ...] = ("none",)


@dataclass(frozen=True)
class Sweep:
    """A named grid of runs of one model family (``"mlp"`` on MNIST, ``"cnn"`` on CIFAR-10,
    ``"transformer"`` on Tiny Shakespeare; see :mod:`helpers.sweep.families`), one :class:`Grid` per
    profile. For the MLP, ``processing`` is ``"none"``, ``"shift2"`` (random shifts of up to 2 pixels) or
    ``"pca50"`` (50 principal components), see :mod:`helpers.processing`; other families train on the
    data as they are. A CNN's depth is its five convolutions; a transformer's width and depth are its
    ``d_model`` and number of blocks, and its data sizes count characters."""

    name: str
    description: str
    grids: dict[str, Grid]
    family: str = "mlp"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"sweep {self.name!r}: unknown family {self.family!r}; choose one of {', '.join(FAMILIES)}")
        for profile, grid in self.grids.items():
            if self.family != "mlp" and grid.processings != ("none",):
                raise ValueError(f"sweep {self.name!r} ({profile}): processings apply to the MLP family only")
            if self.family == "cnn" and grid.depths != (5,):
                raise ValueError(f"sweep {self.name!r} ({profile}): the CNN's depth is fixed at 5 convolutions")

    def runs(self, profile: Profile) -> list[RunSpec]:
        grid = self.grids[profile.name]
        family = FAMILIES[self.family]
        return [
            RunSpec(family.name, family.dataset, width, depth, n_train, seed, grid.step_scale, family.recipe.name,
                    family.recipe.version, processing)
            for processing in grid.processings for width in grid.widths for depth in grid.depths
            for n_train in grid.n_trains for seed in grid.seeds
        ]


SWEEPS: dict[str, Sweep] = {
    sweep.name: sweep
    for sweep in (
        Sweep(
            name="mnist_mlp",
            description="two-hidden-layer MLPs on MNIST: 7 widths x 6 data sizes (full), Chapter 3",
            grids={
                "smoke": Grid(widths=(8, 16, 32, 64), depths=(2,), n_trains=(500, 1_000, 2_000), seeds=(0,),
                              step_scale=0.05),
                "workshop": Grid(widths=(8, 32, 128, 512), depths=(2,), n_trains=(1_718, 6_875, 27_500, 55_000),
                                 seeds=(0,), step_scale=0.5),
                "full": Grid(widths=(8, 16, 32, 64, 128, 256, 512), depths=(2,),
                             n_trains=(1_718, 3_437, 6_875, 13_750, 27_500, 55_000), seeds=(0, 1)),
            },
        ),
        Sweep(
            name="mnist_processing",
            description="width-256 MLPs on MNIST with and without augmentation or PCA features, Chapter 3",
            grids={
                "smoke": Grid(widths=(32,), depths=(2,), n_trains=(500, 1_000, 2_000), seeds=(0,),
                              step_scale=0.05, processings=PROCESSINGS),
                "workshop": Grid(widths=(128,), depths=(2,), n_trains=(1_718, 6_875, 27_500), seeds=(0,),
                                 step_scale=0.5, processings=PROCESSINGS),
                "full": Grid(widths=(256,), depths=(2,), n_trains=(1_718, 3_437, 6_875, 13_750, 27_500, 55_000),
                             seeds=(0, 1), processings=PROCESSINGS),
            },
        ),
        Sweep(
            name="cifar_cnn",
            description="five-convolution CNNs on CIFAR-10: 5 width multipliers x 6 data sizes (full: for a GPU)",
            family="cnn",
            grids={
                "smoke": Grid(widths=(1,), depths=(5,), n_trains=(256, 512), seeds=(0,), step_scale=0.01),
                "workshop": Grid(widths=(1, 2), depths=(5,), n_trains=(2_812, 11_250, 45_000), seeds=(0,),
                                 step_scale=0.05),
                "full": Grid(widths=(1, 2, 4, 8, 16), depths=(5,),
                             n_trains=(1_406, 2_812, 5_625, 11_250, 22_500, 45_000), seeds=(0, 1)),
            },
        ),
        Sweep(
            name="shakespeare_transformer",
            description="character-level transformers on Tiny Shakespeare: 3 widths x 3 depths x 6 data sizes",
            family="transformer",
            grids={
                "smoke": Grid(widths=(16, 32), depths=(1,), n_trains=(20_000, 40_000), seeds=(0,),
                              step_scale=0.02),
                "workshop": Grid(widths=(32, 64), depths=(1, 2), n_trains=(62_500, 250_000, 1_000_000),
                                 seeds=(0,), step_scale=0.05),
                "full": Grid(widths=(32, 64, 128), depths=(1, 2, 4),
                             n_trains=(31_250, 62_500, 125_000, 250_000, 500_000, 1_000_000), seeds=(0,)),
            },
        ),
    )
}


def get_sweep(name: str) -> Sweep:
    try:
        return SWEEPS[name]
    except KeyError:
        raise ValueError(f"unknown sweep {name!r}: choose one of {', '.join(SWEEPS)}") from None


def results_path(name: str, profile: Profile) -> Path:
    suffix = "" if profile.uses_committed_results else f".{profile.name}"
    return results_dir() / f"{name}{suffix}.jsonl"


# --- the append-only results file -------------------------------------------------------------------

def read_rows(path: Path) -> list[dict[str, Any]]:
    """All complete rows of a results file. A line that is not valid JSON (a write cut short by a
    crash) is reported with a warning and ignored."""
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            warnings.warn(f"{path}:{number}: ignoring an incomplete line (a run interrupted while it was "
                          f"being written); that run will be trained again", stacklevel=2)
    return rows


def repair_tail(path: Path) -> None:
    """Cut a partial last line (no final newline) so that new rows start on a line of their own."""
    if not path.exists() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    if data.endswith(b"\n"):
        return
    keep = data.rfind(b"\n") + 1
    warnings.warn(f"{path}: removing a partial last line of {len(data) - keep} bytes left by an interrupted "
                  f"write", stacklevel=2)
    with path.open("r+b") as handle:
        handle.truncate(keep)


def append_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Append rows as JSON lines with a single ``write``, then ``fsync``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = b"".join(json.dumps(row, sort_keys=True).encode() + b"\n" for row in rows)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, payload)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- running ----------------------------------------------------------------------------------------

def _jobs(specs: list[RunSpec]) -> list[list[RunSpec]]:
    """Group runs that differ only in seed: each group trains as one stack of models."""
    groups: dict[tuple, list[RunSpec]] = {}
    for spec in specs:
        shape = (spec.family, spec.dataset, spec.width, spec.depth, spec.n_train, spec.step_scale, spec.processing)
        groups.setdefault(shape, []).append(spec)
    return sorted(groups.values(), key=lambda group: -group[0].width * group[0].n_train)  # longest first


def _train_job(job: list[RunSpec], threads: int, n_test: int | None) -> list[dict[str, Any]]:
    import torch

    torch.set_num_threads(threads)
    family = FAMILIES[job[0].family]
    records = family.train(job, family.recipe.scaled(job[0].step_scale), n_test)
    return [{"key": spec.key, "config": asdict(spec), **record} for spec, record in zip(job, records)]


def _run_one(arguments: tuple[list[RunSpec], int, int | None]) -> list[dict[str, Any]]:
    return _train_job(*arguments)


def pending_runs(name: str, profile: Profile) -> list[RunSpec]:
    """The runs of the sweep that are not yet in its results file."""
    done = {row["key"] for row in read_rows(results_path(name, profile))}
    return [spec for spec in get_sweep(name).runs(profile) if spec.key not in done]


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an advisory lock beside ``path`` so that two processes never train the same sweep at once
    (for example two notebooks run in parallel); the second waits, then finds the runs done."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; run one sweep process at a time
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_sweep(name: str, profile: Profile, *, workers: int = 1, progress: bool = True) -> Path:
    """Train every missing run of sweep ``name`` under ``profile``; return the results file."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    path = results_path(name, profile)
    with _exclusive(path):
        _run_pending(name, profile, path, workers, progress)
    return path


def _run_pending(name: str, profile: Profile, path: Path, workers: int, progress: bool) -> None:
    repair_tail(path)
    jobs = _jobs(pending_runs(name, profile))
    threads = max(1, (os.cpu_count() or 1) // workers)
    n_test = profile.test_examples
    tasks = [(job, threads, n_test) for job in jobs]
    bar = tqdm(total=sum(len(job) for job in jobs), desc=f"sweep {name} ({profile.name})", unit="run",
               disable=not progress or not jobs)
    with bar:
        if workers == 1 or len(jobs) <= 1:
            results: Iterator[list[dict[str, Any]]] = map(_run_one, tasks)
            for rows in results:
                append_rows(path, rows)
                bar.update(len(rows))
        else:
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                for rows in pool.imap_unordered(_run_one, tasks):
                    append_rows(path, rows)
                    bar.update(len(rows))


def sweep_results(name: str, profile: Profile, *, workers: int = 1) -> list[dict[str, Any]]:
    """The sweep's rows for ``profile``: committed under ``full``, trained where missing otherwise."""
    if profile.uses_committed_results:
        missing = pending_runs(name, profile)
        if missing:
            raise MissingResultsError(
                f"{results_path(name, profile)} lacks {len(missing)} of the sweep's runs. Produce them with "
                f"`python -m helpers.sweep run {name} --profile {profile.name} --workers 2` (or run the "
                f"notebook with SCALING_BOOK_PROFILE=workshop, which trains a smaller grid)."
            )
    else:
        run_sweep(name, profile, workers=workers)
    wanted = {spec.key for spec in get_sweep(name).runs(profile)}
    return [row for row in read_rows(results_path(name, profile)) if row["key"] in wanted]
