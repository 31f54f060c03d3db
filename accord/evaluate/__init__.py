"""Scoring plans: who gains, who concedes, which red line breaks, and what would do better."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.evaluate.plan import (
    Improvement,
    PartyVerdict,
    PlanScore,
    RedLineCrossing,
    score_package,
    score_plan,
)
from accord.model import CompiledModel, Scenario, compile_scenario


@dataclass
class Analysis:
    """Every requested plan of a scenario, scored. `extras` carries later features' keys."""

    scenario: Scenario
    model: CompiledModel
    plans: list[PlanScore]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.scenario,
            "title": self.scenario.title,
            "note": self.scenario.note,
            "parties_scored": list(self.model.party_ids),
            "plans": [p.to_dict() for p in self.plans],
        }


def analyze(scenario: Scenario, plans: list[str] | None = None,
            model: CompiledModel | None = None, find_improvement: bool = True,
            references: bool = False) -> Analysis:
    """Score the named plans (all when None) for every party with preferences.

    `references`: also measure each plan against the Nash and Kalai-Smorodinsky packages.
    """
    from accord.evaluate.references import add_references

    model = model if model is not None else compile_scenario(scenario)
    ids = plans if plans is not None else [p.id for p in scenario.plans]
    scores = [score_plan(scenario, model, pid, find_improvement=find_improvement) for pid in ids]
    result = Analysis(scenario, model, scores)
    if references:
        add_references(result)
    return result


__all__ = [
    "Analysis",
    "Improvement",
    "PartyVerdict",
    "PlanScore",
    "RedLineCrossing",
    "analyze",
    "score_package",
    "score_plan",
]
