"""Sweeps: named grids of training runs whose results are kept in append-only files (Chapter 3).

* :mod:`helpers.sweep.grids`: :class:`RunSpec` (one run and its key), :class:`Grid`, :class:`Sweep`
  and the named sweeps, :data:`SWEEPS`.
* :mod:`helpers.sweep.runner`: :func:`run_sweep` trains the missing runs; :func:`sweep_results` is what
  a notebook calls.

From the shell::

    scaling-book list
    scaling-book run NAME [--profile P] [--workers K]
    scaling-book status NAME [--profile P]
"""

from helpers.sweep.grids import SWEEPS, Grid, RunSpec, Sweep, get_sweep
from helpers.sweep.runner import (
    pending_runs,
    results_path,
    run_sweep,
    sweep_results,
)

__all__ = [
    "SWEEPS",
    "Grid",
    "RunSpec",
    "Sweep",
    "get_sweep",
    "pending_runs",
    "results_path",
    "run_sweep",
    "sweep_results",
]
