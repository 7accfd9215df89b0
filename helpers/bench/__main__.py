"""Benchmarks, printed as side-by-side tables: ``python -m helpers.bench fit | engine | engine-lr | stacking``."""

from __future__ import annotations

import argparse
import sys

from helpers.bench.engine import run_engine_benchmark, run_learning_rate_scan
from helpers.bench.fit import run_fit_benchmark
from helpers.bench.stacking import run_stacking_benchmark


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("fit", help="fit_joint against a loop of scipy L-BFGS-B over the same grid")
    fit.add_argument("--every", type=int, default=1, help="use every K-th start of the grid (default: all)")
    fit.add_argument("--seed", type=int, default=0, help="seed of the synthetic data's noise")
    engine = commands.add_parser("engine", help="the training engine against scikit-learn and a DataLoader loop")
    engine.add_argument("--widths", type=int, nargs="+", default=[16, 64, 256, 1024])
    engine.add_argument("--seeds", type=int, default=8, help="models per width (default 8)")
    scan = commands.add_parser("engine-lr", help="the one-epoch validation loss of the engine at several peak rates")
    scan.add_argument("--widths", type=int, nargs="+", default=[16, 64, 256, 1024])
    scan.add_argument("--rates", type=float, nargs="+", default=[2e-3, 5e-3, 1e-2, 2e-2])
    scan.add_argument("--seeds", type=int, default=8, help="models per cell (default 8)")
    stacking = commands.add_parser("stacking", help="K CNNs or transformers stacked with vmap against one by one")
    stacking.add_argument("--models", type=int, default=4, help="models per row (default 4)")
    stacking.add_argument("--steps", type=int, default=10, help="training steps timed (default 10)")
    args = parser.parse_args(argv)
    if args.command == "stacking":
        if args.models < 1 or args.steps < 1:
            parser.error(f"--models and --steps must be at least 1, got {args.models} and {args.steps}")
        run_stacking_benchmark(args.models, args.steps)
        return 0
    if args.command == "engine-lr":
        if args.seeds < 1 or min(args.rates) <= 0:
            parser.error(f"--seeds must be at least 1 and --rates positive, got {args.seeds} and {args.rates}")
        run_learning_rate_scan(tuple(args.widths), tuple(args.rates), args.seeds)
        return 0
    if args.command == "engine":
        run_engine_benchmark(tuple(args.widths), args.seeds)
        return 0
    if args.every < 1:
        parser.error(f"--every must be at least 1, got {args.every}")
    run_fit_benchmark(every=args.every, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
