"""Benchmark: ``fit_joint`` against a loop of SciPy L-BFGS-B over the same starting grid (Chapter 2).

    scaling-book bench fit            # the full Hoffmann grid (4,500 starts); about a minute
    scaling-book bench fit --every 10 # every 10th start, for a quick look

Both minimise the same objective (:func:`helpers.fit.joint.joint_objective`) on the same ~250 points
from the same starts; the table reports the time of each, their ratio, and the best objective each
found. Speed is reported as a ratio measured in one run, never as a pass/fail timing test.
"""

from __future__ import annotations

import time

import numpy as np

from helpers.bench.fit_reference import fit_joint_reference
from helpers.fit import fit_joint, hoffmann_grid
from helpers.fit.synthetic import HOFFMANN_2022, isoflop_design, sample_losses

SPEEDUP_GOAL = 20.0
SECONDS_GOAL = 5.0
OBJECTIVE_GOAL = 1e-6


def run_fit_benchmark(every: int = 1, seed: int = 0) -> dict[str, float]:
    """Time both methods on an IsoFLOP design of 10 budgets x 25 sizes; print and return the numbers.
    (Chapter 2, notebook 02c: the fit benchmark)"""
    N, D = isoflop_design(np.geomspace(6e18, 3e21, 10), 25)
    L = sample_losses(HOFFMANN_2022, N, D, noise=0.01, seed=seed)
    starts = hoffmann_grid()[::every]
    print(
        f"fit_joint benchmark: {len(N)} points (IsoFLOP design, 10 budgets x 25 model sizes, "
        f"Hoffmann et al. constants, 1% noise), {len(starts)} starts"
    )

    began = time.perf_counter()
    law = fit_joint(N, D, L, init_grid=starts)
    batched_seconds = time.perf_counter() - began
    began = time.perf_counter()
    theta, reference_objective = fit_joint_reference(N, D, L, starts)
    reference_seconds = time.perf_counter() - began

    relative_difference = (
        abs(law.objective - reference_objective) / reference_objective
    )
    speedup = reference_seconds / batched_seconds
    print(
        f"\n{'method':<34}{'seconds':>9}{'speed-up':>10}{'best objective':>20}{'rel. diff.':>12}"
    )
    print(
        f"{'loop of scipy L-BFGS-B':<34}{reference_seconds:>9.2f}{1.0:>9.1f}x{reference_objective:>20.12g}"
        f"{'':>12}"
    )
    print(
        f"{'fit_joint (batched BFGS)':<34}{batched_seconds:>9.2f}{speedup:>9.1f}x{law.objective:>20.12g}"
        f"{relative_difference:>12.1e}"
    )
    a, b, e, alpha, beta = theta
    print(
        f"\nreference fit: E={np.exp(e):.5g} A={np.exp(a):.5g} B={np.exp(b):.5g} "
        f"alpha={alpha:.5f} beta={beta:.5f}"
    )
    print(
        f"fit_joint:     E={law.E:.5g} A={law.A:.5g} B={law.B:.5g} alpha={law.alpha:.5f} beta={law.beta:.5f}"
    )
    goals = {
        f"speed-up >= {SPEEDUP_GOAL:g}x": speedup >= SPEEDUP_GOAL,
        f"fit_joint under {SECONDS_GOAL:g} s": batched_seconds < SECONDS_GOAL,
        f"same best objective (rel. diff. < {OBJECTIVE_GOAL:g})": relative_difference
        < OBJECTIVE_GOAL,
    }
    print(
        "\ngoals: "
        + "; ".join(
            f"{goal}: {'met' if ok else 'NOT met'}" for goal, ok in goals.items()
        )
    )
    return {
        "batched_seconds": batched_seconds,
        "reference_seconds": reference_seconds,
        "speedup": speedup,
        "relative_difference": relative_difference,
    }
