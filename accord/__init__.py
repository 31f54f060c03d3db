"""accord: analyse, draft and stress-test multi-issue settlements.

    >>> import accord
    >>> scenario = accord.load("ukraine-2025")
    >>> result = accord.analyze(scenario)
    >>> [p.all_accept for p in result.plans]  # doctest: +SKIP
"""

from accord.evaluate import Analysis, analyze, score_package, score_plan
from accord.io import load_scenario as load
from accord.model import CompiledModel, Scenario, ScenarioError, compile_scenario

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "CompiledModel",
    "Scenario",
    "ScenarioError",
    "analyze",
    "compile_scenario",
    "load",
    "score_package",
    "score_plan",
]
