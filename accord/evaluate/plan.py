"""Scoring a plan for every party: utility, walk-away test, red lines, concessions, improvement.

A party accepts a package when it crosses none of its red lines and its additive utility is at
least its reservation (BATNA; Fisher and Ury 1981). Concessions are measured per issue as the
weighted value a party gives up against its own best option (Raiffa 1982). Efficiency is
checked exactly among packages that cross no party's red line, except that the plan's own
choices stay allowed: a plan that already breaks a red line is compared with packages that
break no other (otherwise, where red lines conflict as in ukraine-2025, no package would be
eligible and every verdict would be vacuous). Where the plan is not efficient, the
max-min-gain improvement (`accord.solve`, method "maxmin-gain") says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.model.compiled import CompiledModel
from accord.model.scenario import OptionValue, Plan, Scenario
from accord.solve import EPS, solve


@dataclass(frozen=True)
class RedLineCrossing:
    issue: str
    option: OptionValue

    def __str__(self) -> str:
        return f"crosses its red line on {self.issue} ({self.option})"


@dataclass(frozen=True)
class PartyVerdict:
    id: str
    name: str
    utility: float
    reservation: float
    accepts: bool
    red_lines: list[RedLineCrossing]
    ideal: float

    @property
    def margin(self) -> float:
        return self.utility - self.reservation

    @property
    def reasons(self) -> list[str]:
        """Every reason for the verdict, in words."""
        out = [str(r) for r in self.red_lines]
        if self.utility < self.reservation - 1e-12:
            out.append(
                f"utility {self.utility:.3f} is below its walk-away {self.reservation:.3f}"
            )
        if not out:
            out.append(
                f"utility {self.utility:.3f} beats its walk-away {self.reservation:.3f} "
                f"by {self.margin:.3f} and crosses no red line"
            )
        return out


@dataclass(frozen=True)
class Improvement:
    choices: dict[str, OptionValue]
    utilities: dict[str, float]
    gains: dict[str, float]
    changes: dict[str, tuple[OptionValue, OptionValue]]
    engine: str
    optimal: bool


@dataclass(frozen=True)
class PlanScore:
    plan_id: str
    title: str
    choices: dict[str, OptionValue]
    parties: list[PartyVerdict]
    concessions: dict[str, dict[str, float]]
    """party -> issue -> weighted value given up against the party's best option."""
    pareto_efficient: bool | None
    """None when not checked (asked not to, or the search hit a limit before a proof)."""
    improvement: Improvement | None
    all_accept: bool
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.plan_id,
            "title": self.title,
            "choices": self.choices,
            "all_accept": self.all_accept,
            "parties": [
                {
                    "id": v.id,
                    "name": v.name,
                    "utility": round(v.utility, 6),
                    "reservation": v.reservation,
                    "margin": round(v.margin, 6),
                    "ideal": round(v.ideal, 6),
                    "accepts": v.accepts,
                    "red_lines_crossed": [
                        {"issue": r.issue, "option": r.option} for r in v.red_lines
                    ],
                    "reasons": v.reasons,
                }
                for v in self.parties
            ],
            "concessions": {
                p: {i: round(c, 6) for i, c in by_issue.items()}
                for p, by_issue in self.concessions.items()
            },
            "pareto_efficient": self.pareto_efficient,
            "improvement": None
            if self.improvement is None
            else {
                "choices": self.improvement.choices,
                "utilities": {k: round(u, 6) for k, u in self.improvement.utilities.items()},
                "gains": {k: round(g, 6) for k, g in self.improvement.gains.items()},
                "changes": {
                    i: {"from": a, "to": b} for i, (a, b) in self.improvement.changes.items()
                },
                "engine": self.improvement.engine,
                "optimal": self.improvement.optimal,
            },
            **self.extras,
        }


def score_package(
    scenario: Scenario,
    model: CompiledModel,
    choices: dict[str, OptionValue],
    *,
    plan_id: str = "package",
    title: str = "",
    find_improvement: bool = True,
) -> PlanScore:
    """Score one package (a plan's choices) for every scored party."""
    x = model.encode(choices)
    u = model.utilities(x)
    crossed = model.violations(x)[0]  # (P, I)
    ideal = model.ideal(respect_red_lines=False)
    verdicts = []
    for p, pid in enumerate(model.party_ids):
        lines = [
            RedLineCrossing(model.issue_ids[i], model.raw_options[i][x[i]])
            for i in np.flatnonzero(crossed[p])
        ]
        accepts = not lines and u[p] >= model.reservation[p] - 1e-12
        verdicts.append(
            PartyVerdict(pid, scenario.party(pid).name, float(u[p]), float(model.reservation[p]),
                         bool(accepts), lines, float(ideal[p]))
        )
    # Weighted value lost on each issue against the party's own best option there.
    best = np.where(model.padding[None], -np.inf, model.table).max(axis=2)  # (P, I)
    chosen = model.table[:, np.arange(model.n_issues), x]  # (P, I)
    lost = best - chosen
    concessions = {
        pid: {iid: float(lost[p, i]) for i, iid in enumerate(model.issue_ids)}
        for p, pid in enumerate(model.party_ids)
    }
    improvement: Improvement | None = None
    efficient: bool | None = None
    if find_improvement and model.n_parties:
        # Candidates cross no red line the plan does not already cross, so the plan itself is
        # always a candidate and a red line the plan breaks is never made worse elsewhere.
        res = solve(model, "maxmin-gain", baseline=x, exempt=x, individual_rationality=False)
        efficient = True if res.optimal else None
        if res.packages:
            best = res.packages[0]
            gains = model.utilities(best.package) - u
            # Nobody loses and somebody gains: a Pareto improvement over the plan.
            if (gains >= -EPS).all() and gains.sum() > EPS:
                efficient = False
                improvement = Improvement(
                    choices=dict(best.choices),
                    utilities=dict(best.utilities),
                    gains=dict(zip(model.party_ids, map(float, gains), strict=True)),
                    changes={i: (choices_raw(model, x, i), best.choices[i])
                             for i in _changed(model, x, best.package)},
                    engine=res.engine,
                    optimal=res.optimal,
                )
    return PlanScore(
        plan_id=plan_id,
        title=title,
        choices=model.decode(x),
        parties=verdicts,
        concessions=concessions,
        pareto_efficient=efficient,
        improvement=improvement,
        all_accept=all(v.accepts for v in verdicts),
    )


def choices_raw(model: CompiledModel, x: np.ndarray, issue: str) -> OptionValue:
    i = model.issue_ids.index(issue)
    return model.raw_options[i][int(x[i])]


def _changed(model: CompiledModel, a: np.ndarray, b: np.ndarray) -> list[str]:
    return [model.issue_ids[i] for i in np.flatnonzero(np.asarray(a) != np.asarray(b))]


def score_plan(scenario: Scenario, model: CompiledModel, plan: Plan | str,
               *, find_improvement: bool = True) -> PlanScore:
    """Score a plan of the scenario (by id or object)."""
    if isinstance(plan, str):
        plan = scenario.plan(plan)
    return score_package(scenario, model, dict(plan.choices), plan_id=plan.id, title=plan.title,
                         find_improvement=find_improvement)


__all__ = ["EPS", "Improvement", "PartyVerdict", "PlanScore", "RedLineCrossing", "score_package",
           "score_plan"]
