"""``scaling-book doctor``: is this machine ready for the course? (Preface, "How to run the course").

    scaling-book doctor [--profile P] [--no-calibration] [--json]
    scaling-book time-notebooks --profile P [NOTEBOOK ...] [--output PATH]

The doctor checks, one line each with ``OK``, ``WARN`` or ``FAIL`` and the fix for every problem:
the Python version, the pinned packages of ``requirements.txt``, torch (threads, CPUs, the device
training would use), the datasets (present and valid, by the loaders' own checks), free disk, and, after
a short calibration, each notebook's running time on this machine. It exits non-zero when anything
``FAIL``s. A workshop runs it the day before, on every machine in the room.

Notebook times are estimated, not guessed: ``time-notebooks`` runs notebooks in a fresh kernel each
and records their wall time, with the calibration of the machine that ran them, in
``results/notebook_times.json``. On another machine a recorded time ``t`` becomes

    t_here = t_recorded * s_here / s_recorded

where ``s`` is the median time of one training step of a width-256 MLP at batch 128 (the engine
benchmark's model and batch): the notebooks spend their time training small models, whose steps are
dominated by per-operation overhead and small matrix products rather than by the large-``torch.mm``
rate (the README's engine benchmark reaches 12-55% of that rate). The matmul rate is reported beside
it, so that a reader can see when the two disagree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from helpers.data import DATA_ENV, DATASETS, data_root
from helpers.profiles import PROFILE_ENV, current_profile, get_profile
from helpers.results import results_dir, write_json_atomic

REPOSITORY = Path(__file__).resolve().parents[1]
MIN_PYTHON = (3, 10)  # the Makefile's check
TIMES_FILE = "notebook_times.json"
TIMES_COMMAND = "scaling-book time-notebooks --profile {profile}"

# Free disk below which the doctor warns. The data root: a first download of every dataset peaks at
# about 366 MB (MNIST 11 MB, Tiny Shakespeare 1 MB, and CIFAR-10's 170 MB archive beside its 184 MB of
# extracted batches until the archive is deleted), so 0.5 GB leaves a third to spare. The repository:
# a full site build (`_build/`, with its jupyter cache) measured 65 MB here with 24 notebooks; 0.25 GB
# leaves room for the book to double and for the smoke and workshop results notebooks write.
DATA_DISK_NEED = 500 * 10**6
REPOSITORY_DISK_NEED = 250 * 10**6

# A machine is "busy" when its 1-minute load average is at least half its CPUs: then more than one
# thread per process costs far more than it gains (README: a width-256 MLP step 40x slower with 2).
BUSY_LOAD_PER_CPU = 0.5
THREADS_ADVICE = (
    "pass --threads 1 to `scaling-book run`, and `export OMP_NUM_THREADS=1` before starting "
    "Jupyter: on a busy 2-core machine a width-256 MLP step was measured 40 times slower with "
    "two threads per process than with one (README, Sweeps and benchmarks)"
)

OK, WARN, FAIL, SKIP = "OK", "WARN", "FAIL", "SKIP"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report (Preface, "How to run the course").

    Attributes:
        status: ``"OK"``, ``"WARN"``, ``"FAIL"``, or ``"SKIP"`` (a check the user asked to skip).
        topic: what was checked (``"python"``, ``"package torch"``, ``"dataset mnist"``, ...).
        message: what was found.
        fix: for a ``WARN`` or ``FAIL``, the command or action that fixes it.
        details: further lines shown indented under this one.
    """

    status: str
    topic: str
    message: str
    fix: str = ""
    details: tuple[str, ...] = field(default=())


# --- Python and packages -------------------------------------------------------------------------------


def check_python(version: tuple[int, ...] | None = None) -> Check:
    """The interpreter against the Makefile's ``Python 3.10+`` (Preface, "How to run the course")."""
    version = tuple(sys.version_info[:3]) if version is None else version
    text = ".".join(map(str, version))
    if version[:2] >= MIN_PYTHON:
        return Check(OK, "python", f"{text} ({sys.executable})")
    return Check(
        FAIL,
        "python",
        f"{text} is older than the {'.'.join(map(str, MIN_PYTHON))} the course needs",
        "install Python 3.10 or newer and rebuild the environment: "
        "`make clean && make setup PYTHON=python3.11`",
    )


def parse_requirements(
    text: str, source: str = "requirements.txt"
) -> list[Requirement]:
    """The requirements of a pip requirements file, in order (Preface, "How to run the course").

    Handles ``name==version``, ranges (``name>=1,<2``), extras (``name[extra]==1``), environment
    markers (a requirement whose marker is false on this machine is left out), comments (whole-line
    and `` # ...`` after a requirement) and ``\\`` line continuations. Option lines (``-r``, ``-e``,
    ``--index-url``, ...) are skipped. A line that is none of these raises ``ValueError`` naming it.
    """
    requirements = []
    logical, first = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        # pip's rule: '#' starts a comment at the line's start or after whitespace
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not logical:
            first = number
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical = (logical + line).strip()
        if not logical or logical.startswith("-"):
            logical = ""
            continue
        try:
            requirement = Requirement(logical)
        except InvalidRequirement as error:
            raise ValueError(
                f"{source}, line {first}: {logical!r} is not a requirement ({error}); "
                "write it as name==version, name>=a,<b or name[extra]==version"
            ) from None
        logical = ""
        if requirement.marker is None or requirement.marker.evaluate():
            requirements.append(requirement)
    return requirements


def installed_version(name: str) -> str | None:
    """The installed version of distribution ``name``, or ``None`` (Preface, "How to run the course")."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def check_requirement(
    requirement: Requirement,
    version_of: Callable[[str], str | None] = installed_version,
) -> Check:
    """``OK`` when ``requirement`` is installed at a version it allows, ``WARN`` at another version,
    ``FAIL`` when it is not installed (Preface, "How to run the course")."""
    pip = f"{Path(sys.executable).name} -m pip install"
    wanted = str(requirement.specifier) or "any version"
    spec = f"{requirement.name}{requirement.specifier}"
    topic = f"package {requirement.name}"
    found = version_of(requirement.name)
    if found is None:
        return Check(
            FAIL,
            topic,
            f"not installed (requirements.txt: {wanted})",
            f"{pip} '{spec}'",
        )
    allowed = SpecifierSet(str(requirement.specifier))
    if allowed.contains(found, prereleases=True):
        return Check(OK, topic, found)
    return Check(
        WARN,
        topic,
        f"{found} installed, requirements.txt asks for {wanted}: notebooks may differ from the book",
        f"{pip} '{spec}'",
    )


def check_packages(path: Path | None = None) -> list[Check]:
    """One line per requirement of ``requirements.txt`` (Preface, "How to run the course")."""
    path = REPOSITORY / "requirements.txt" if path is None else path
    if not path.is_file():
        return [
            Check(
                WARN,
                "packages",
                f"no requirements file at {path}: package versions not checked",
                "run the doctor from a clone of the course, or pass --requirements PATH",
            )
        ]
    return [
        check_requirement(requirement)
        for requirement in parse_requirements(path.read_text(), str(path))
    ]


# --- torch ------------------------------------------------------------------------------------------


def cpu_count() -> int:
    """CPUs this process may run on (its affinity where the system has one) (Preface, "How to run the course")."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check_torch(load_average: float | None = None) -> Check:
    """torch's version, thread count, ``OMP_NUM_THREADS``, the CPUs and the training device; ``WARN``
    when a busy machine (load average at least half its CPUs) runs torch with more than one thread
    (Preface, "How to run the course")."""
    import torch

    from helpers.train import default_device

    device = default_device()
    where = device.type
    if device.type == "cuda":
        where += f" ({torch.cuda.get_device_name(device)})"
    threads, cpus = torch.get_num_threads(), cpu_count()
    omp = os.environ.get("OMP_NUM_THREADS", "unset")
    if load_average is None and hasattr(os, "getloadavg"):
        load_average = os.getloadavg()[0]
    load = "" if load_average is None else f", load average {load_average:.1f}"
    message = (
        f"{torch.__version__}, {threads} thread{'s' * (threads != 1)} "
        f"(OMP_NUM_THREADS {omp}), {cpus} CPU{'s' * (cpus != 1)}{load}; trains on {where}"
    )
    busy = load_average is not None and load_average >= BUSY_LOAD_PER_CPU * cpus
    if device.type == "cpu" and busy and threads > 1:
        return Check(
            WARN, "torch", message + "; this machine is busy", THREADS_ADVICE
        )
    return Check(OK, "torch", message)


# --- datasets and disk ------------------------------------------------------------------------------


def check_datasets(root: Path | None = None) -> list[Check]:
    """The data root, then each dataset of the catalog: present and valid by
    :func:`helpers.data.verify_dataset` (Preface, "Data")."""
    from helpers.data import DataFormatError, DatasetNotFoundError, verify_dataset
    from helpers.data.catalog import missing_files

    root = data_root() if root is None else root
    origin = (
        f"from {DATA_ENV}"
        if os.environ.get(DATA_ENV)
        else f"the default; set {DATA_ENV} to change it"
    )
    checks = [
        Check(OK, "data root", f"{root} ({origin})")
        if root.is_dir()
        else Check(
            WARN,
            "data root",
            f"{root} ({origin}) does not exist",
            "`scaling-book data download` creates it, or set "
            f"{DATA_ENV} to the folder that holds the datasets",
        )
    ]
    for name, spec in DATASETS.items():
        topic, download = f"dataset {name}", f"scaling-book data download {name}"
        missing = missing_files(spec, root)
        if missing:
            checks.append(
                Check(
                    FAIL,
                    topic,
                    f"missing {len(missing)} of {len(spec.files)} files under {root}",
                    f"`{download}` (needs internet; `make data` fetches every dataset)",
                )
            )
            continue
        try:
            summary = verify_dataset(name, root).removeprefix(f"{name}: ")
            checks.append(Check(OK, topic, summary))
        except (DataFormatError, DatasetNotFoundError, OSError) as error:
            checks.append(
                Check(
                    FAIL,
                    topic,
                    f"invalid: {error}",
                    f"delete the dataset's files under {root}, then `{download}`",
                )
            )
    return checks


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(
    root: Path | None = None,
    repository: Path = REPOSITORY,
    free_bytes: Callable[[Path], int] = lambda p: shutil.disk_usage(p).free,
) -> list[Check]:
    """Free disk at the data root (``WARN`` under :data:`DATA_DISK_NEED`) and in the repository (under
    :data:`REPOSITORY_DISK_NEED`, or the sum of both when they share a file system) (Preface, "Data")."""
    root = _existing(data_root() if root is None else root)
    repository = _existing(repository)
    same = root.stat().st_dev == repository.stat().st_dev
    places = [("data root", root, DATA_DISK_NEED)]
    if same:
        places = [
            (
                "data root and repository",
                root,
                DATA_DISK_NEED + REPOSITORY_DISK_NEED,
            )
        ]
    else:
        places.append(("repository", repository, REPOSITORY_DISK_NEED))
    checks = []
    for what, path, need in places:
        free = free_bytes(path)
        message = f"{free / 1e9:.1f} GB free at {path} (the course needs about {need / 1e9:.2f} GB)"
        checks.append(
            Check(OK, f"disk ({what})", message)
            if free >= need
            else Check(
                WARN,
                f"disk ({what})",
                message,
                f"free {(need - free) / 1e6:.0f} MB there"
                + (
                    f", or set {DATA_ENV} to a folder on a disk with room"
                    if what.startswith("data root")
                    else ""
                ),
            )
        )
    return checks


# --- calibration and notebook times ---------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """How fast this machine runs the course's work (Preface, "How to run the course").

    Attributes:
        matmul_gflops: float32 ``torch.mm`` rate on 2048 x 2048 matrices, as the engine benchmark
            measures it (:func:`helpers.bench.engine.matmul_flops_per_second`).
        mlp_step_ms: median milliseconds of one training step (forward, backward, fused AdamW, the
            loss read back) of a width-256, two-hidden-layer MLP at batch 128 on the training device.
        threads: torch's thread count during the measurement.
        device: the training device (``"cpu"``, ``"cuda"``, ``"mps"``).
    """

    matmul_gflops: float
    mlp_step_ms: float
    threads: int
    device: str

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> Calibration:
        """Read back :func:`dataclasses.asdict` of a calibration (Preface, "How to run the course")."""
        return cls(
            matmul_gflops=float(payload["matmul_gflops"]),
            mlp_step_ms=float(payload["mlp_step_ms"]),
            threads=int(payload["threads"]),
            device=str(payload["device"]),
        )


def mlp_step_seconds(budget_seconds: float = 1.0, max_steps: int = 200) -> float:
    """Median seconds of one training step of a width-256 MLP (2 hidden layers) at batch 128 on the
    training device, built from the course's own model, optimizer and loss, timed for about
    ``budget_seconds`` after 3 warm-up steps (Preface, "How to run the course")."""
    import torch

    from helpers.models import MLP, MLPConfig
    from helpers.train import MLP_RECIPE, default_device
    from helpers.train.loop import adamw_optimizer, per_model_loss

    device = default_device()
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = MLP(MLPConfig(256, 2)).to(device)
    optimizer = adamw_optimizer(model, MLP_RECIPE)
    inputs = torch.randn(MLP_RECIPE.batch_size, 784, generator=generator).to(device)
    targets = torch.randint(0, 10, (MLP_RECIPE.batch_size,), generator=generator)
    targets = targets.to(device)

    def step() -> None:
        losses = per_model_loss(model(inputs), targets)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()
        losses.detach().cpu()  # the loop reads each step's losses back

    for _ in range(3):
        step()
    times: list[float] = []
    began = time.perf_counter()
    while len(times) < max_steps and time.perf_counter() - began < budget_seconds:
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def calibrate(step_budget_seconds: float = 1.0) -> Calibration:
    """Measure this machine: the matmul rate (3 repeats of a 2048 x 2048 product) and
    :func:`mlp_step_seconds`; about 1-3 seconds in all (Preface, "How to run the course")."""
    import torch

    from helpers.bench.engine import matmul_flops_per_second
    from helpers.train import default_device

    return Calibration(
        matmul_gflops=round(matmul_flops_per_second(2048, repeats=3) / 1e9, 1),
        mlp_step_ms=round(mlp_step_seconds(step_budget_seconds) * 1e3, 4),
        threads=torch.get_num_threads(),
        device=default_device().type,
    )


def check_calibration(calibration: Calibration) -> Check:
    """The calibration as a report line (Preface, "How to run the course")."""
    return Check(
        OK,
        "calibration",
        f"float32 matmul {calibration.matmul_gflops:.0f} GFLOP/s; width-256 MLP step at "
        f"batch 128: {calibration.mlp_step_ms:.2f} ms ({calibration.threads} "
        f"thread{'s' * (calibration.threads != 1)}, {calibration.device})",
    )


def default_times_path() -> Path:
    """``results/notebook_times.json`` (under ``$SCALING_BOOK_RESULTS`` when set) (Preface, "How to run the course")."""
    return results_dir() / TIMES_FILE


def read_times(path: Path) -> dict[str, Any]:
    """The recorded notebook times at ``path`` (``{}`` when the file is absent); a malformed file raises
    ``ValueError`` naming it and the command that rewrites it (Preface, "How to run the course")."""
    if not path.is_file():
        return {}
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path} is not valid JSON ({error}): delete it and run "
            f"`{TIMES_COMMAND.format(profile='PROFILE')}`"
        ) from None
    if not isinstance(payload, dict) or not isinstance(
        payload.get("notebooks", {}), dict
    ):
        raise ValueError(  # noqa: TRY004 (a malformed file, like the JSON error above)
            f"{path} has no 'notebooks' table: delete it and run "
            f"`{TIMES_COMMAND.format(profile='PROFILE')}`"
        )
    return payload


def estimate_seconds(
    recorded_seconds: float, recorded: Calibration, here: Calibration
) -> float:
    """``recorded_seconds * here.mlp_step_ms / recorded.mlp_step_ms``: a time measured on one machine,
    scaled to another by the ratio of their MLP step times (Preface, "How to run the course")."""
    return recorded_seconds * here.mlp_step_ms / recorded.mlp_step_ms


def estimate_notebook_times(
    times: dict[str, Any], profile: str, here: Calibration
) -> dict[str, tuple[float, float]]:
    """``{notebook: (estimated seconds here, recorded seconds)}`` for each notebook recorded in
    ``profile`` (Preface, "How to run the course")."""
    estimates = {}
    for notebook, profiles in sorted(times.get("notebooks", {}).items()):
        if profile in profiles:
            entry = profiles[profile]
            recorded = Calibration.from_dict(entry["calibration"])
            seconds = float(entry["seconds"])
            estimates[notebook] = (
                estimate_seconds(seconds, recorded, here),
                seconds,
            )
    return estimates


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def check_notebook_times(
    profile: str,
    here: Calibration,
    path: Path | None = None,
    notebooks: Sequence[str] | None = None,
) -> Check:
    """Each notebook's estimated running time in ``profile`` on this machine, from the recorded times
    at ``path``; ``WARN`` with the recording command when the file, the profile or a notebook of
    ``notebooks`` (default: ``notebooks/*.ipynb``) is missing from it (Preface, "How to run the course")."""
    command = TIMES_COMMAND.format(profile=profile)
    if path is None:
        path = default_times_path()
    else:
        command += f" --output {path}"
    if notebooks is None:
        notebooks = sorted(
            p.name for p in (REPOSITORY / "notebooks").glob("*.ipynb")
        )
    topic = f"notebook times ({profile})"
    try:
        times = read_times(path)
    except ValueError as error:
        return Check(WARN, topic, str(error), f"`{command}`")
    if not times:
        return Check(
            WARN,
            topic,
            f"no recorded times at {path}, so no estimates",
            f"`{command}` records them (run it on an otherwise idle machine)",
        )
    estimates = estimate_notebook_times(times, profile, here)
    if not estimates:
        return Check(
            WARN,
            topic,
            f"{path} records no notebook in profile {profile}",
            f"`{command}` (on an otherwise idle machine)",
        )
    details = tuple(
        f"{name:40s} {_duration(estimate):>9s}  (recorded {_duration(recorded)})"
        for name, (estimate, recorded) in estimates.items()
    )
    total = sum(estimate for estimate, _ in estimates.values())
    longest = max(estimates, key=lambda name: estimates[name][0])
    message = (
        f"{len(estimates)} notebooks, about {_duration(total)} in all on this machine; "
        f"longest {longest} ({_duration(estimates[longest][0])})"
    )
    unrecorded = [name for name in notebooks if name not in estimates]
    if unrecorded:
        shown = ", ".join(unrecorded[:3]) + (
            f" and {len(unrecorded) - 3} more" if len(unrecorded) > 3 else ""
        )
        return Check(
            WARN,
            topic,
            message + f"; not recorded: {shown}",
            f"`{command} --missing` (on an otherwise idle machine)",
            details,
        )
    return Check(OK, topic, message, details=details)


# --- the recorder ---------------------------------------------------------------------------------------


def time_notebook(path: Path, profile: str, timeout: int = 1800) -> float:
    """Execute notebook ``path`` in a fresh kernel with ``SCALING_BOOK_PROFILE=profile`` (from the
    notebook's folder, as nbval does); return its wall seconds, kernel start included. A failing cell
    raises nbclient's ``CellExecutionError`` (Preface, "How to run the course")."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    began = time.perf_counter()
    client.execute(env={**os.environ, PROFILE_ENV: profile})
    return time.perf_counter() - began


def record_time(
    output: Path,
    notebook: str,
    profile: str,
    seconds: float,
    calibration: Calibration,
) -> None:
    """Merge one measurement into the times file at ``output``, written atomically: other notebooks and
    profiles are kept, this notebook's entry for ``profile`` is replaced (Preface, "How to run the course")."""
    times = read_times(output) or {}
    times["command"] = TIMES_COMMAND.format(profile="PROFILE") + " [NOTEBOOK ...]"
    times.setdefault("notebooks", {}).setdefault(notebook, {})[profile] = {
        "seconds": round(seconds, 2),
        "calibration": asdict(calibration),
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    write_json_atomic(output, times)


def unrecorded_notebooks(
    notebooks: Sequence[Path], profile: str, output: Path | None = None
) -> list[Path]:
    """The notebooks among ``notebooks`` with no time recorded in ``profile`` at ``output`` (default
    ``results/notebook_times.json``) (Preface, "How to run the course")."""
    recorded = read_times(default_times_path() if output is None else output)
    entries = recorded.get("notebooks", {})
    return [p for p in notebooks if profile not in entries.get(Path(p).name, {})]


def time_notebooks(
    notebooks: Sequence[Path],
    profile: str,
    output: Path | None = None,
    *,
    calibration: Calibration | None = None,
    timeout: int = 1800,
    log: Callable[[str], None] = print,
) -> dict[str, float | str]:
    """Time each notebook (:func:`time_notebook`) and merge its time into ``output`` (default
    ``results/notebook_times.json``) as soon as it finishes, with ``calibration`` (default: measured
    once, first). Returns ``{notebook: seconds}``, or the error for a notebook that failed, which is not
    recorded (Preface, "How to run the course")."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    get_profile(profile)
    output = default_times_path() if output is None else output
    missing = [str(p) for p in notebooks if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"no such notebook: {', '.join(missing)}")
    if calibration is None:
        calibration = calibrate()
    log(check_calibration(calibration).message)
    outcome: dict[str, float | str] = {}
    for path in map(Path, notebooks):
        try:
            seconds = time_notebook(path, profile, timeout)
        except (CellExecutionError, CellTimeoutError) as error:
            first_line = str(error).strip().splitlines()[-1] if str(error) else ""
            outcome[path.name] = f"failed: {type(error).__name__} {first_line}"
            log(f"  FAILED {path.name}: {outcome[path.name]} (not recorded)")
            continue
        record_time(output, path.name, profile, seconds, calibration)
        outcome[path.name] = seconds
        log(f"  {path.name:40s} {seconds:8.1f} s  ({profile})")
    log(f"wrote {output}")
    return outcome


# --- the report ---------------------------------------------------------------------------------------


def _guarded(topic: str, check: Callable[[], Check | list[Check]]) -> list[Check]:
    """Run one check; a check that crashes is itself a ``FAIL``, so the report is always complete."""
    try:
        result = check()
    except Exception as error:  # noqa: BLE001 (every failure is a line of the report)
        return [
            Check(
                FAIL,
                topic,
                f"the check failed: {type(error).__name__}: {error}",
                "reinstall the environment: `make clean && make setup`",
            )
        ]
    return result if isinstance(result, list) else [result]


def run_checks(
    *,
    profile: str | None = None,
    requirements: Path | None = None,
    times_path: Path | None = None,
    calibration: bool = True,
) -> list[Check]:
    """Every check of ``scaling-book doctor``, in report order (Preface, "How to run the course")."""
    profile = (
        current_profile().name if profile is None else get_profile(profile).name
    )
    checks = _guarded("python", check_python)
    checks += _guarded("packages", lambda: check_packages(requirements))
    checks += _guarded("torch", check_torch)
    checks += _guarded("datasets", check_datasets)
    checks += _guarded("disk", check_disk)
    topic = f"notebook times ({profile})"
    if not calibration:
        checks.append(Check(SKIP, "calibration", "skipped (--no-calibration)"))
        checks.append(Check(SKIP, topic, "not estimated without a calibration"))
        return checks
    calibrations: list[Calibration] = []

    def measure() -> Check:
        calibrations.append(calibrate())
        return check_calibration(calibrations[0])

    checks += _guarded("calibration", measure)
    if calibrations:
        here = calibrations[0]
        checks += _guarded(
            topic, lambda: check_notebook_times(profile, here, times_path)
        )
    return checks


def format_report(checks: Sequence[Check]) -> str:
    """The report as text: one line per check, then the list of problems and their fixes
    (Preface, "How to run the course")."""
    lines = []
    for check in checks:
        lines.append(f"{check.status:4s}  {check.topic}: {check.message}")
        lines += [f"        {detail}" for detail in check.details]
    problems = [c for c in checks if c.status in (WARN, FAIL)]
    failures = sum(c.status == FAIL for c in checks)
    if not problems:
        lines.append("\nall checks passed")
        return "\n".join(lines)
    lines.append(
        f"\n{failures} failure{'s' * (failures != 1)}, "
        f"{len(problems) - failures} warning{'s' * (len(problems) - failures != 1)}; to fix:"
    )
    for number, check in enumerate(
        sorted(problems, key=lambda c: c.status != FAIL), 1
    ):
        lines.append(f"  {number}. [{check.status}] {check.topic}: {check.fix}")
    return "\n".join(lines)


def exit_status(checks: Sequence[Check]) -> int:
    """1 when any check ``FAIL``s, else 0 (Preface, "How to run the course")."""
    return int(any(check.status == FAIL for check in checks))


def report_json(checks: Sequence[Check]) -> str:
    """The report as JSON: ``{"ok": bool, "checks": [...]}`` (Preface, "How to run the course")."""
    return json.dumps(
        {
            "ok": not exit_status(checks),
            "checks": [
                {**asdict(check), "details": list(check.details)}
                for check in checks
            ],
        },
        indent=1,
    )
