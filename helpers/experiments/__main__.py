"""``python -m helpers.experiments list | run NAME [--profile P]``: compute and save results files."""

from __future__ import annotations

import argparse
import json
import sys

from helpers.experiments import EXPERIMENTS, compute_results
from helpers.profiles import PROFILES, get_profile
from helpers.results import results_dir, write_json_atomic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.experiments", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the experiments and their results files")
    run = commands.add_parser(
        "run", help="compute an experiment: write results/NAME.json (full) or print it (other profiles)"
    )
    run.add_argument("name", choices=sorted(EXPERIMENTS))
    run.add_argument("--profile", default="full", choices=sorted(PROFILES))
    args = parser.parse_args(argv)
    if args.command == "list":
        for name, experiment in EXPERIMENTS.items():
            path = results_dir() / f"{name}.json"
            state = "committed" if path.is_file() else "missing"
            print(f"{name:32s} {state:10s} {experiment.description}")
        return 0
    results = compute_results(args.name, get_profile(args.profile))
    if args.profile != "full":  # only the published profile's results are kept in results/
        print(json.dumps(results, indent=1, sort_keys=True))
        return 0
    path = write_json_atomic(results_dir() / f"{args.name}.json", results)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
