"""``scaling-book``: the one command line for everything a user regenerates or checks.

    scaling-book list                                  the experiments and sweeps, and their results files
    scaling-book run NAME [--profile P] [--workers K]  compute an experiment or train a sweep's missing runs
    scaling-book status NAME [--profile P]             how much of NAME's results exist
    scaling-book bench fit|engine|engine-lr|stacking|cnn|transformer   benchmarks, side by side
    scaling-book data info|verify|download [NAME ...]  the datasets
    scaling-book plan --gpu H100 --gpus 64 --days 14 --law NAME [--price P] [--json]
                                                       a compute budget -> model size, tokens, loss
    scaling-book doctor [--profile P] [--json]         is this machine ready for a workshop?
    scaling-book time-notebooks --profile P [NOTEBOOK ...]   record notebooks' running times

``python -m helpers`` is the same program. ``--help`` works at every level.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from helpers.profiles import PROFILES, get_profile


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _names() -> tuple[dict, dict]:
    from helpers.experiments import EXPERIMENTS
    from helpers.sweep import SWEEPS

    return EXPERIMENTS, SWEEPS


def _list(_: argparse.Namespace) -> int:
    from helpers.experiments import results_file
    from helpers.sweep import pending_runs

    experiments, sweeps = _names()
    full = PROFILES["full"]
    print("experiments (results/NAME.json):")
    for name, experiment in experiments.items():
        state = "committed" if results_file(name, full).is_file() else "missing"
        print(f"  {name:32s} {state:12s} {experiment.description}")
    print("sweeps (results/NAME.jsonl):")
    for name, sweep in sweeps.items():
        sizes = ", ".join(
            f"{p}: {len(sweep.runs(PROFILES[p]))}" for p in sweep.grids
        )
        missing = len(pending_runs(name, full))
        state = "committed" if not missing else f"{missing} to run"
        print(
            f"  {name:32s} {state:12s} {sweep.description} (runs per profile: {sizes})"
        )
    return 0


def _run(args: argparse.Namespace) -> int:
    from helpers.experiments import save_results
    from helpers.results import read_rows
    from helpers.sweep import run_sweep

    experiments, _ = _names()
    profile = get_profile(args.profile)
    if args.name in experiments:
        print(f"wrote {save_results(args.name, profile)}")
        return 0
    path = run_sweep(args.name, profile, workers=args.workers, threads=args.threads)
    print(f"{path}: {len(read_rows(path))} rows")
    return 0


def _status(args: argparse.Namespace) -> int:
    from helpers.experiments import results_file
    from helpers.sweep import get_sweep, pending_runs, results_path

    experiments, _ = _names()
    profile = get_profile(args.profile)
    if args.name in experiments:
        path = results_file(args.name, profile)
        print(
            f"{args.name} ({profile.name}): {'present' if path.is_file() else 'missing'} at {path}"
        )
        return 0
    total = len(get_sweep(args.name).runs(profile))
    missing = len(pending_runs(args.name, profile))
    print(
        f"{args.name} ({profile.name}): {total - missing} of {total} runs done in {results_path(args.name, profile)}"
    )
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.benchmark == "fit":
        from helpers.bench.fit import run_fit_benchmark

        run_fit_benchmark(every=args.every, seed=args.seed)
    elif args.benchmark == "engine":
        from helpers.bench.engine import run_engine_benchmark

        run_engine_benchmark(tuple(args.widths), args.seeds)
    elif args.benchmark == "engine-lr":
        from helpers.bench.engine import run_learning_rate_scan

        run_learning_rate_scan(tuple(args.widths), tuple(args.rates), args.seeds)
    elif args.benchmark == "stacking":
        from helpers.bench.stacking import run_stacking_benchmark

        run_stacking_benchmark(args.models, args.steps)
    elif args.benchmark == "cnn":
        from helpers.bench.families import run_cnn_benchmark

        run_cnn_benchmark(tuple(args.widths), args.steps, args.n_train)
    else:
        from helpers.bench.families import run_transformer_benchmark

        run_transformer_benchmark(tuple(args.widths), args.steps)
    return 0


def _data(args: argparse.Namespace) -> int:
    from helpers.data import DATA_ENV, DATASETS, data_root
    from helpers.data.catalog import missing_files
    from helpers.data.download import DownloadError
    from helpers.data.formats import DataFormatError
    from helpers.data.loaders import (
        DatasetNotFoundError,
        download_dataset,
        verify_dataset,
    )

    names = args.names or list(DATASETS)
    root = data_root()
    print(f"data root: {root}  (set {DATA_ENV} to change it)")
    failed = False
    for name in names:
        spec = DATASETS[name]
        if args.action == "info":
            missing = missing_files(spec, root)
            state = (
                "present"
                if not missing
                else f"missing {len(missing)} of {len(spec.files)} files"
            )
            print(f"  {name:16s} {state:28s} {spec.description}")
            for relative in spec.files:
                print(f"      {relative}")
            continue
        try:
            if args.action == "download":
                download_dataset(name, root, mirror=args.mirror)
            print(f"  ok  {verify_dataset(name, root)}")
        except (DownloadError, DatasetNotFoundError, DataFormatError) as error:
            failed = True
            print(f"  FAILED {name}: {error}", file=sys.stderr)
    return 1 if failed else 0


def _doctor(args: argparse.Namespace) -> int:
    from helpers.doctor import exit_status, format_report, report_json, run_checks

    checks = run_checks(
        profile=args.profile,
        requirements=args.requirements,
        times_path=args.times,
        calibration=not args.no_calibration,
    )
    print(report_json(checks) if args.json else format_report(checks))
    return exit_status(checks)


def _time_notebooks(args: argparse.Namespace) -> int:
    from helpers.doctor import REPOSITORY, time_notebooks, unrecorded_notebooks

    notebooks = args.notebooks or sorted((REPOSITORY / "notebooks").glob("*.ipynb"))
    try:
        if args.missing:
            notebooks = unrecorded_notebooks(notebooks, args.profile, args.output)
            if not notebooks:
                print(f"every notebook has a recorded {args.profile} time")
                return 0
        outcome = time_notebooks(
            notebooks,
            args.profile,
            args.output,
            timeout=args.timeout,
        )
    except (FileNotFoundError, ValueError) as error:
        args.time_error(str(error))
    return int(any(isinstance(value, str) for value in outcome.values()))


def _gpu_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of GPUs, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _check_plan_arguments(args: argparse.Namespace) -> str | None:
    """What is wrong with ``plan``'s arguments, in terms of its flags, or ``None`` (Chapter 7)."""
    import math

    from helpers.planning import ACCELERATORS, DEFAULT_MFU, DEFAULT_MFU_PRECISIONS

    for flag, value in (
        ("--days", args.days),
        ("--hours", args.hours),
        ("--price", args.price),
        ("--flops-per-param-token", args.flops_per_param_token),
    ):
        if value is not None and not (math.isfinite(value) and value > 0):
            return f"{flag} must be positive, got {value:g}"
    if args.inference_tokens is not None and not (
        math.isfinite(args.inference_tokens) and args.inference_tokens >= 0
    ):
        return f"--inference-tokens must be zero or positive, got {args.inference_tokens:g}"
    if args.mfu is not None and not 0 < args.mfu <= 1:
        return f"--mfu must lie in (0, 1], got {args.mfu:g}; large dense runs reach about 0.4"
    accelerator = ACCELERATORS[args.gpu]
    if args.precision is None:
        args.precision = accelerator.default_precision
    if args.precision not in accelerator.peak_flops:
        return (
            f"--precision {args.precision} is not available on the {args.gpu}: its "
            f"datasheet gives dense figures for {', '.join(accelerator.peak_flops)}"
        )
    if args.mfu is None and args.precision not in DEFAULT_MFU_PRECISIONS:
        return (
            f"--precision {args.precision} needs --mfu: the default {DEFAULT_MFU:.0%} is a "
            "share of the BF16 peak, measured on BF16 runs, and says nothing about "
            f"the {args.precision} peak; measure your own"
        )
    return None


def _plan(args: argparse.Namespace) -> int:
    import json

    from helpers.planning import plan_budget, training_budget
    from helpers.published import LAWS, get_law

    if problem := _check_plan_arguments(args):
        args.plan_error(problem)
    try:
        budget = training_budget(
            args.gpu,
            args.gpus,
            args.hours if args.hours is not None else 24.0 * args.days,
            precision=args.precision,
            mfu=args.mfu,
            price_per_gpu_hour=args.price,
        )
        report = plan_budget(
            get_law(args.law),
            budget,
            law_name=args.law,
            inference_tokens=args.inference_tokens,
            flops_per_param_token=args.flops_per_param_token,
            other_laws={
                name: law
                for name, law in LAWS.items()
                if name != args.law and hasattr(law, "E")
            },
        )
    except ValueError as error:
        args.plan_error(str(error))
    print(json.dumps(report.as_dict(), indent=2) if args.json else report)
    return 0


def _add_plan_parser(commands: argparse._SubParsersAction) -> None:
    from helpers.planning import ACCELERATORS, DEFAULT_MFU, DEFAULT_MFU_PRECISIONS
    from helpers.published import LAWS

    joint_laws = [name for name, law in LAWS.items() if hasattr(law, "E")]
    other_forms = [name for name in LAWS if name not in joint_laws]
    precisions = sorted({p for a in ACCELERATORS.values() for p in a.peak_flops})

    text = (
        "turn a GPU budget into a compute-optimal model size, token count, predicted "
        "loss and bill (Chapter 7)"
    )
    plan = commands.add_parser("plan", help=text, description=text)
    plan.set_defaults(plan_error=plan.error)
    plan.add_argument(
        "--gpu",
        required=True,
        choices=list(ACCELERATORS),
        help="accelerator (dense datasheet peak): "
        + "; ".join(f"{short} = {a.name}" for short, a in ACCELERATORS.items()),
    )
    plan.add_argument(
        "--gpus", type=_gpu_count, required=True, metavar="N", help="how many GPUs"
    )
    length = plan.add_mutually_exclusive_group(required=True)
    length.add_argument("--days", type=float, help="wall-clock days of training")
    length.add_argument("--hours", type=float, help="wall-clock hours of training")
    plan.add_argument(
        "--law",
        required=True,
        choices=joint_laws,
        help="a published law of the form E + A/N^a + B/D^b"
        + (
            f" ({', '.join(other_forms)} is left out: its law is of another form, in "
            "non-embedding parameters)"
            if other_forms
            else ""
        ),
    )
    plan.add_argument(
        "--precision",
        choices=precisions,
        metavar="PRECISION",
        help="the datasheet peak to use; the default is the GPU's own; available: "
        + "; ".join(
            f"{short} {', '.join(a.peak_flops)} (default {a.default_precision})"
            for short, a in ACCELERATORS.items()
        ),
    )
    plan.add_argument(
        "--mfu",
        type=float,
        help=f"model FLOP utilisation in (0, 1]: default {DEFAULT_MFU} of the BF16 peak, "
        f"at {' or '.join(DEFAULT_MFU_PRECISIONS)} only; required at any other precision",
    )
    plan.add_argument("--price", type=float, help="your price per GPU-hour")
    plan.add_argument(
        "--inference-tokens",
        type=float,
        help="tokens the model will serve: adds the inference-aware plan",
    )
    plan.add_argument(
        "--flops-per-param-token",
        type=float,
        default=6.0,
        help="k of C = k N D, as the law was fitted (default 6)",
    )
    plan.add_argument("--json", action="store_true", help="print JSON for scripts")


def _add_doctor_parsers(commands: argparse._SubParsersAction) -> None:
    from pathlib import Path

    text = (
        "check this machine before a workshop: Python, packages, torch's threads and "
        "device, the datasets, free disk, and each notebook's running time here"
    )
    doctor = commands.add_parser("doctor", help=text, description=text)
    doctor.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="profile of the notebook time estimates "
        "(default: $SCALING_BOOK_PROFILE, else workshop)",
    )
    doctor.add_argument(
        "--no-calibration",
        action="store_true",
        help="skip the ~3 s calibration and the notebook time estimates",
    )
    doctor.add_argument(
        "--requirements",
        type=Path,
        metavar="PATH",
        help="requirements file to check (default: the repository's requirements.txt)",
    )
    doctor.add_argument(
        "--times",
        type=Path,
        metavar="PATH",
        help="recorded notebook times (default: results/notebook_times.json)",
    )
    doctor.add_argument(
        "--json", action="store_true", help="print JSON for scripts"
    )

    text = (
        "run notebooks, each in a fresh kernel with SCALING_BOOK_PROFILE set, and record "
        "their wall times and this machine's calibration (for `scaling-book doctor`)"
    )
    timer = commands.add_parser("time-notebooks", help=text, description=text)
    timer.set_defaults(time_error=timer.error)
    timer.add_argument(
        "--profile",
        required=True,
        choices=sorted(PROFILES),
        help="the profile to time",
    )
    timer.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        metavar="NOTEBOOK",
        help="notebooks to run (default: every notebooks/*.ipynb)",
    )
    timer.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="times file to merge into (default: results/notebook_times.json)",
    )
    timer.add_argument(
        "--missing",
        action="store_true",
        help="run only the notebooks with no time recorded in this profile",
    )
    timer.add_argument(
        "--timeout",
        type=_positive,
        default=1800,
        help="seconds allowed per cell (default 1800)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``scaling-book`` (Preface, "How to run the course")."""
    from helpers.data import DATASETS

    experiments, sweeps = _names()
    names = sorted(experiments) + sorted(sweeps)
    parser = argparse.ArgumentParser(
        prog="scaling-book",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND"
    )
    commands.add_parser(
        "list",
        help="the experiments and sweeps, and whether their results are committed",
    )
    for command, text in (
        ("run", "compute an experiment, or train a sweep's missing runs"),
        ("status", "how much of an experiment's or sweep's results exist"),
    ):
        sub = commands.add_parser(command, help=text, description=text)
        sub.add_argument(
            "name",
            choices=names,
            metavar="NAME",
            help=f"one of: {', '.join(names)}",
        )
        sub.add_argument(
            "--profile",
            default="full",
            choices=sorted(PROFILES),
            help="full (default) writes the committed results; smoke and workshop write beside them",
        )
        if command == "run":
            sub.add_argument(
                "--workers",
                type=_positive,
                default=1,
                help="parallel worker processes for a sweep",
            )
            sub.add_argument(
                "--threads",
                type=_positive,
                default=None,
                help="CPU threads per worker (default: the cores divided among the workers; "
                "1 is much faster on a machine busy with other work)",
            )

    bench = commands.add_parser(
        "bench", help="benchmarks, printed side by side with the alternative"
    )
    kinds = bench.add_subparsers(
        dest="benchmark", required=True, metavar="BENCHMARK"
    )
    fit = kinds.add_parser(
        "fit", help="fit_joint against a loop of scipy L-BFGS-B over the same grid"
    )
    fit.add_argument(
        "--every",
        type=_positive,
        default=1,
        help="use every K-th start of the grid (default: all)",
    )
    fit.add_argument(
        "--seed", type=int, default=0, help="seed of the synthetic data's noise"
    )
    engine = kinds.add_parser(
        "engine",
        help="the training engine against scikit-learn and a DataLoader loop",
    )
    engine.add_argument(
        "--widths", type=_positive, nargs="+", default=[16, 64, 256, 1024]
    )
    engine.add_argument(
        "--seeds", type=_positive, default=8, help="models per width (default 8)"
    )
    scan = kinds.add_parser(
        "engine-lr",
        help="the one-epoch validation loss of the engine at several peak rates",
    )
    scan.add_argument(
        "--widths", type=_positive, nargs="+", default=[16, 64, 256, 1024]
    )
    scan.add_argument(
        "--rates", type=float, nargs="+", default=[2e-3, 5e-3, 1e-2, 2e-2]
    )
    scan.add_argument(
        "--seeds", type=_positive, default=8, help="models per cell (default 8)"
    )
    stacking = kinds.add_parser(
        "stacking",
        help="K CNNs or transformers stacked with vmap against one by one",
    )
    stacking.add_argument(
        "--models", type=_positive, default=4, help="models per row (default 4)"
    )
    stacking.add_argument(
        "--steps",
        type=_positive,
        default=10,
        help="training steps timed (default 10)",
    )
    cnn = kinds.add_parser(
        "cnn", help="the course's CNN training against a plain DataLoader loop"
    )
    cnn.add_argument("--widths", type=_positive, nargs="+", default=[1, 2, 4])
    cnn.add_argument(
        "--steps",
        type=_positive,
        default=200,
        help="training steps per model (default 200)",
    )
    cnn.add_argument(
        "--n-train",
        type=_positive,
        default=10_000,
        help="training images (default 10,000)",
    )
    text = kinds.add_parser(
        "transformer",
        help="the course's transformer training against a plain DataLoader loop",
    )
    text.add_argument(
        "--widths",
        type=_positive,
        nargs="+",
        default=[32, 64, 128],
        help="d_model values",
    )
    text.add_argument(
        "--steps",
        type=_positive,
        default=200,
        help="training steps per model (default 200)",
    )

    data = commands.add_parser("data", help="show, verify or download the datasets")
    data.add_argument("action", choices=("info", "verify", "download"))
    data.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"datasets (default: all of {', '.join(DATASETS)})",
    )
    data.add_argument(
        "--mirror", help="base URL to fetch from instead of the canonical hosts"
    )
    _add_plan_parser(commands)
    _add_doctor_parsers(commands)
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "list": _list,
    "run": _run,
    "status": _status,
    "bench": _bench,
    "data": _data,
    "plan": _plan,
    "doctor": _doctor,
    "time-notebooks": _time_notebooks,
}


def main(argv: list[str] | None = None) -> int:
    """Run ``scaling-book`` with ``argv`` (default: the process's arguments); return the exit status.
    (Preface, "How the code is organised")"""
    parser = build_parser()
    args = parser.parse_args(argv)
    if (
        args.command == "bench"
        and args.benchmark == "engine-lr"
        and min(args.rates) <= 0
    ):
        parser.error(f"--rates must be positive, got {args.rates}")
    if args.command == "data":
        from helpers.data import DATASETS

        if unknown := [name for name in args.names if name not in DATASETS]:
            parser.error(
                f"unknown dataset(s) {unknown}: choose from {', '.join(DATASETS)}"
            )
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
