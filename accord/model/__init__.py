"""The scenario model and its compiled, array form. Knows nothing of solvers, web or storage."""

from accord.model.compiled import CompiledModel, compile_scenario
from accord.model.problems import Problem, ScenarioError
from accord.model.scenario import (
    Issue,
    Party,
    Plan,
    Preferences,
    Provision,
    RedLine,
    Scenario,
    Source,
    Statement,
    Uncertainty,
    option_key,
)
from accord.model.validate import parse_scenario, validate_data

__all__ = [
    "CompiledModel",
    "Issue",
    "Party",
    "Plan",
    "Preferences",
    "Problem",
    "Provision",
    "RedLine",
    "Scenario",
    "ScenarioError",
    "Source",
    "Statement",
    "Uncertainty",
    "compile_scenario",
    "option_key",
    "parse_scenario",
    "validate_data",
]
