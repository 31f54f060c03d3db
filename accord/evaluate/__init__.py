"""Scoring plans: who gains, who concedes, which red line breaks, and what would do better."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.scenario,
            "title": self.scenario.title,
            "note": self.scenario.note,
            "parties_scored": list(self.model.party_ids),
            "plans": [p.to_dict() for p in self.plans],
            **self.extras,
        }


def analyze(scenario: Scenario, plans: list[str] | None = None,
            model: CompiledModel | None = None, find_improvement: bool = True) -> Analysis:
    """Score the named plans (all when None) for every party with preferences."""
    model = model if model is not None else compile_scenario(scenario)
    ids = plans if plans is not None else [p.id for p in scenario.plans]
    scores = [score_plan(scenario, model, pid, find_improvement=find_improvement) for pid in ids]
    return Analysis(scenario, model, scores)


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
