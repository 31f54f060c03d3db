"""Preference uncertainty: acceptance probabilities, sensitivity and robust plans.

Monte Carlo over each party's `uncertainty` block (Dirichlet weights, Beta values, uniform
walk-away), run in this process or on a Dask cluster with identical results for a seed.
"""

from accord.uncertainty.montecarlo import BLOCK, MonteCarloResult, PackageOutcome, wilson
from accord.uncertainty.run import monte_carlo, plan_robustness
from accord.uncertainty.spec import Assumption, UncertaintySpec, compile_uncertainty

__all__ = [
    "BLOCK",
    "Assumption",
    "MonteCarloResult",
    "PackageOutcome",
    "UncertaintySpec",
    "compile_uncertainty",
    "monte_carlo",
    "plan_robustness",
    "wilson",
]
