"""Benchmarks, printed as side-by-side tables: ``python -m helpers.bench fit [--every K]``."""

from __future__ import annotations

import argparse
import sys

from helpers.bench.fit import run_fit_benchmark


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("fit", help="fit_joint against a loop of scipy L-BFGS-B over the same grid")
    fit.add_argument("--every", type=int, default=1, help="use every K-th start of the grid (default: all)")
    fit.add_argument("--seed", type=int, default=0, help="seed of the synthetic data's noise")
    args = parser.parse_args(argv)
    if args.every < 1:
        parser.error(f"--every must be at least 1, got {args.every}")
    run_fit_benchmark(every=args.every, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
