"""Synthetic scaling data from a known law, for testing fits where the truth is known (Chapter 2,
notebook 02c)."""

from __future__ import annotations

import numpy as np

from helpers.fit.joint import JointLaw

# Hoffmann et al. (2022), App. D.2, with the unrounded values of their TeX source (facts sheet, section A):
# the true law of Chapter 2, notebook 02c's synthetic data.
HOFFMANN_2022 = JointLaw(E=1.6934, A=406.4, B=410.7, alpha=0.3392, beta=0.2849)
HOFFMANN_2022_ROUNDED = JointLaw(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)


def isoflop_design(
    budgets: np.ndarray,
    models_per_budget: int,
    *,
    span: float = 30.0,
    law: JointLaw = HOFFMANN_2022,
) -> tuple[np.ndarray, np.ndarray]:
    """An IsoFLOP design: for each compute budget ``C``, ``models_per_budget`` model sizes spread
    log-uniformly over a factor ``span`` around the law's optimum, each trained on ``D = C / (6 N)``.

    Returns ``(N, D)``, each of length ``len(budgets) * models_per_budget``. The design of Chapter 2,
    notebook 02c's synthetic study; Chapter 3, notebook 03c reads IsoFLOP profiles off real runs.
    """
    budgets = np.atleast_1d(np.asarray(budgets, dtype=np.float64))
    N_opt, _ = law.compute_optimal(budgets)
    factors = np.geomspace(1 / np.sqrt(span), np.sqrt(span), models_per_budget)
    N = (N_opt[:, None] * factors[None, :]).ravel()
    D = (budgets[:, None] / (6.0 * N_opt[:, None] * factors[None, :])).ravel()
    return N, D


def sample_losses(
    law: JointLaw,
    N: np.ndarray,
    D: np.ndarray,
    *,
    noise: float = 0.01,
    seed: int = 0,
) -> np.ndarray:
    """``law.predict(N, D)`` times independent log-normal noise of relative size ``noise`` (Chapter 2,
    notebook 02c)."""
    rng = np.random.default_rng(seed)
    return law.predict(N, D) * np.exp(rng.normal(0.0, noise, size=np.shape(N)))
