"""``python -m helpers.sweep list | run NAME [--profile P] [--workers K] | status NAME [--profile P]``."""

from __future__ import annotations

import argparse
import sys

from helpers.profiles import PROFILES, get_profile
from helpers.sweep import SWEEPS, get_sweep, pending_runs, read_rows, results_path, run_sweep


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.sweep", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the sweeps and their sizes per profile")
    for command, text in (("run", "train the sweep's missing runs"), ("status", "how many runs are done")):
        sub = commands.add_parser(command, help=text)
        sub.add_argument("name", choices=sorted(SWEEPS))
        sub.add_argument("--profile", default="full", choices=sorted(PROFILES))
        if command == "run":
            sub.add_argument("--workers", type=int, default=1, help="parallel worker processes (default 1)")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name, sweep in SWEEPS.items():
            sizes = ", ".join(f"{p}: {len(sweep.runs(PROFILES[p]))} runs" for p in sweep.grids)
            print(f"{name:24s} {sweep.description}  ({sizes})")
        return 0
    profile = get_profile(args.profile)
    if args.command == "run":
        if args.workers < 1:
            parser.error(f"--workers must be at least 1, got {args.workers}")
        path = run_sweep(args.name, profile, workers=args.workers)
        print(f"{path}: {len(read_rows(path))} rows")
        return 0
    total = len(get_sweep(args.name).runs(profile))
    missing = len(pending_runs(args.name, profile))
    print(f"{args.name} ({profile.name}): {total - missing} of {total} runs done in {results_path(args.name, profile)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
