"""What the plots and tables show, computed once and drawn twice (plotly for HTML, matplotlib
for PNG/SVG), so the interactive and the static figures can never disagree.

Utilities come from the compiled model (`CompiledModel.utilities`) and plan scores from
`accord.evaluate`; the Pareto frontier and the bargaining solutions come from `accord.solve`
(Nash 1950, Kalai and Smorodinsky 1975, egalitarian and utilitarian). Where no package
satisfies every party, the solutions are recomputed with what blocks them set aside (red
lines, or else walk-away values), and labelled as that what-if.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.evaluate import Analysis
from accord.model import CompiledModel, Scenario
from accord.report.versions import plan_order

SOLVER_METHODS = ("nash", "ks", "egalitarian", "utilitarian")
METHOD_NAMES = {"nash": "Nash", "ks": "Kalai-Smorodinsky", "egalitarian": "egalitarian",
                "utilitarian": "utilitarian"}
ENUMERATE_LIMIT = 20_000
"""Spaces up to this size are plotted whole; larger ones as a seeded uniform sample."""
SAMPLE_SIZE = 4_000


@dataclass(frozen=True)
class SolverPoint:
    method: str
    feasible: bool
    message: str
    optimal: bool
    utilities: dict[str, float]
    choices: dict[str, Any]


@dataclass
class SolverResults:
    """Solutions over a set of parties, or why there are none."""

    parties: list[str]
    available: bool
    message: str
    points: list[SolverPoint] = field(default_factory=list)
    respect_red_lines: bool = True
    individual_rationality: bool = True

    @property
    def any_feasible(self) -> bool:
        return any(p.feasible for p in self.points)

    @property
    def what_if(self) -> str:
        """What these solutions set aside, in words ("" when nothing)."""
        if not self.respect_red_lines:
            return "ignoring red lines (what-if)"
        if not self.individual_rationality:
            return "ignoring walk-away values (what-if)"
        return ""


def relaxed_results(model: CompiledModel, parties: list[str]) -> SolverResults:
    """When no package satisfies everyone: set aside what blocks it. Red lines when no package
    respects them all, else the walk-away values that cannot be met together."""
    from accord.solve import make_problem

    blocked = any(len(a) == 0 for a in make_problem(model, parties).allowed)
    if blocked:
        return solver_results(model, parties, respect_red_lines=False)
    return solver_results(model, parties, individual_rationality=False)


@dataclass
class UtilitySpace:
    """The packages, frontier, solutions and plans in the plane of two parties."""

    parties: tuple[str, str]
    names: tuple[str, str]
    points: np.ndarray  # (N, 2) utilities of the plotted packages
    status: np.ndarray  # (N,) 2 both accept, 1 within both red lines, 0 crosses a red line
    total: int
    sampled: bool
    reservation: tuple[float, float]
    frontier: np.ndarray | None  # (K, 2) sorted by the first party's utility
    frontier_note: str
    solutions: SolverResults
    """The solutions plotted: within red lines, or ignoring them when none are feasible."""
    zone_empty: bool
    """No package lies within both parties' red lines."""
    plans: list[tuple[str, str, np.ndarray]]  # (plan id, date label, (2,) utilities) by date
    ranges: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    """Plans with open issues: (2,) low and (2,) high utilities over their valid completions
    (a box, or a segment when one party's utility does not move)."""
    invalid: int = 0
    """Packages left out of `points` because they violate a constraint (not packages)."""

    @property
    def shown(self) -> str:
        """What the dots are, in words."""
        if not self.sampled:
            if self.invalid:
                return (f"all {self.total - self.invalid:,} valid packages ({self.invalid:,} "
                        "violate a constraint)")
            return f"all {self.total:,} packages"
        where = "" if self.zone_empty else " within both parties' red lines"
        return f"a uniform sample of {len(self.points):,} packages{where} (of {self.total:,})"


def solver_results(model: CompiledModel, parties: list[str] | None = None,
                   respect_red_lines: bool = True,
                   individual_rationality: bool = True) -> SolverResults:
    """Nash, KS, egalitarian and utilitarian packages, each as the solver reports it."""
    from accord.solve import solve

    ids = list(parties) if parties else list(model.party_ids)
    out = SolverResults(ids, True, "", respect_red_lines=respect_red_lines,
                        individual_rationality=individual_rationality)
    for method in SOLVER_METHODS:
        try:
            res = solve(model, method=method, parties=ids, top=1,
                        respect_red_lines=respect_red_lines,
                        individual_rationality=individual_rationality)
        except Exception as exc:  # a failing solver must not sink the report
            out.points.append(SolverPoint(method, False, f"solver failed: {exc}", False, {}, {}))
            continue
        if not res.feasible or not res.packages:
            out.points.append(SolverPoint(method, False, str(res.message or "no package"),
                                          bool(res.optimal), {}, {}))
            continue
        best = res.packages[0]
        out.points.append(SolverPoint(
            method, True, str(res.message or ""), bool(res.optimal),
            {p: float(best.utilities[p]) for p in ids if p in best.utilities},
            dict(best.choices)))
    return out


def _frontier(model: CompiledModel, pair: list[str], zone_empty: bool
              ) -> tuple[np.ndarray, str]:
    from accord.solve import frontier

    fr = frontier(model, parties=pair, respect_red_lines=not zone_empty)
    u = np.asarray(fr.utilities, dtype=float).reshape(-1, len(fr.parties))
    u = u[:, [list(fr.parties).index(p) for p in pair]]
    u = u[np.argsort(u[:, 0], kind="stable")]
    how = "exact" if fr.exact else "approximate"
    where = "ignoring red lines" if zone_empty else "within both parties' red lines"
    return u, f"Pareto frontier from accord.solve ({how}, {len(u)} points, {where})"


def default_pair(scenario: Scenario, model: CompiledModel) -> list[str]:
    """The first two scored parties of role `party`, else the first two scored."""
    main = [p.id for p in scenario.parties if p.role == "party" and p.id in model.party_ids]
    rest = [p for p in model.party_ids if p not in main]
    return (main + rest)[:2]


def utility_space(scenario: Scenario, model: CompiledModel, analysis: Analysis,
                  pair: list[str], *, seed: int = 0,
                  solutions: SolverResults | None = None) -> UtilitySpace:
    """Packages (all, or a seeded sample for large spaces) in the plane of two parties."""
    if len(pair) != 2:
        raise ValueError("the utility space needs exactly two parties")
    idx = model.party_index(pair)
    total = model.size
    sampled = total > ENUMERATE_LIMIT
    from accord.solve import make_problem

    # Per issue, the options every binding red line (whoever holds it) and constraint leave.
    cols = make_problem(model, pair, individual_rationality=False).allowed
    zone_empty = any(len(c) == 0 for c in cols)
    if sampled:
        rng = np.random.default_rng(seed)
        if zone_empty:
            x = rng.integers(0, model.n_options, size=(SAMPLE_SIZE, model.n_issues))
        else:  # uniform over the packages within both red lines: the region that matters
            x = np.stack([c[rng.integers(0, len(c), size=SAMPLE_SIZE)] for c in cols], axis=1)
    else:
        from accord.solve.enumerate import all_packages

        x = all_packages(model)
    valid = model.valid(x)  # a package that violates a constraint is not a package: not shown
    invalid = int((~valid).sum())
    x = x[valid]
    u = model.utilities(x)[:, idx]
    within = model.within_red_lines(x)[:, idx].all(axis=1)
    accepts = model.accepts(x)[:, idx].all(axis=1)
    status = np.where(accepts, 2, np.where(within, 1, 0))
    frontier, note = _frontier(model, pair, zone_empty)
    if solutions is None:
        solutions = solver_results(model, pair)
    if not solutions.any_feasible:
        solutions = relaxed_results(model, pair)
    by_id = {s.plan_id: s for s in analysis.plans}
    plans = []
    ranges: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for plan in plan_order(scenario):
        if plan.id in by_id:
            pv = {v.id: v for v in by_id[plan.id].parties}
            plans.append((plan.id, plan.date.isoformat() if plan.date else "undated",
                          np.array([pv[pair[0]].utility, pv[pair[1]].utility])))
            ra, rb = pv[pair[0]].range, pv[pair[1]].range
            if ra is not None and rb is not None:
                ranges[plan.id] = (np.array([ra.low, rb.low]), np.array([ra.high, rb.high]))
    names = (scenario.party(pair[0]).name, scenario.party(pair[1]).name)
    return UtilitySpace((pair[0], pair[1]), names, u, status, total, sampled,
                        (float(model.reservation[idx[0]]), float(model.reservation[idx[1]])),
                        frontier, note, solutions, zone_empty, plans, ranges,
                        invalid if not sampled else 0)


