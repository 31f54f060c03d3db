"""The scenario model and its compiled, array form. Knows nothing of solvers, web or storage."""

from accord.model.compiled import CompiledModel, Constraints, RedLines, compile_scenario
from accord.model.problems import Problem, ScenarioError
from accord.model.scenario import (
    Constraint,
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
    red_line_id,
)
from accord.model.validate import parse_scenario, validate_data

__all__ = [
    "CompiledModel",
    "Constraint",
    "Constraints",
    "Issue",
    "Party",
    "Plan",
    "Preferences",
    "Problem",
    "Provision",
    "RedLine",
    "RedLines",
    "Scenario",
    "ScenarioError",
    "Source",
    "Statement",
    "Uncertainty",
    "compile_scenario",
    "option_key",
    "red_line_id",
    "parse_scenario",
    "validate_data",
]
