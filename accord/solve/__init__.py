"""Bargaining solutions, exact at any size: one facade over two engines.

`solve(model, method=...)` finds the Nash (1950), Kalai-Smorodinsky (1975), egalitarian,
utilitarian or max-min-gain package(s); `frontier(model)` the Pareto frontier. The engine is
vectorised enumeration when the packages left by the red lines number at most `AUTO_LIMIT`,
and mixed-integer programming (HiGHS) above; both are exact, and every result states whether it
is proven optimal and its gap. When no package satisfies everyone the message names the
constraints that conflict.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from accord.model.compiled import CompiledModel, IntArray
from accord.solve import (
    egalitarian,
    kalai_smorodinsky,
    nash,
    utilitarian,
)
from accord.solve import (
    maxmin_gain as _mmg,
)
from accord.solve.base import (
    ENGINES,
    EPS,
    METHODS,
    Found,
    Frontier,
    Problem,
    SolvedPackage,
    SolveResult,
    explain_infeasible,
    make_problem,
    solved,
)
from accord.solve.conflict import irreducible
from accord.solve.enumerate import best_min_slack
from accord.solve.milp import lex_maxmin
from accord.solve.pareto import LINKED, best_on_frontier, pareto_frontier

AUTO_LIMIT = 1_000_000
"""auto picks enumeration up to this many packages (within the red lines), MILP above."""

NAMES = {
    "nash": "Nash bargaining solution (max product of gains over the disagreement point)",
    "ks": "Kalai-Smorodinsky solution (max equal share of each party's ideal gain)",
    "egalitarian": "egalitarian solution (max the smallest utility)",
    "utilitarian": "utilitarian solution (max the sum of utilities)",
    "maxmin-gain": "max-min gain over the baseline (largest smallest gain)",
}


DP_FROM = 10_000
"""auto tries the frontier engine (`dp`, two parties, top 1) from this many packages."""


def _engine(problem: Problem, engine: str, top: int) -> tuple[str, str]:
    """The engine to run, and why."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "dp" and top != 1:
        raise ValueError("the dp engine finds the best package only; use --top 1 or another "
                         "engine")
    if engine != "auto":
        return engine, "asked for"
    size = problem.space_size
    bound = "" if not problem.linked else "at most "
    mergeable = not problem.linked or problem.merged is not None
    if top == 1 and problem.model.n_parties == 2 and size >= DP_FROM and mergeable:
        return "dp", (f"two parties and {bound}{size:,} packages (at least {DP_FROM:,}): the "
                      "exact Pareto frontier by dynamic programming" +
                      (", linked issues merged into one" if problem.linked else ""))
    if size <= AUTO_LIMIT:
        return "enumeration", f"{bound}{size:,} packages, within the {AUTO_LIMIT:,} to enumerate"
    why = f"{bound}{size:,} packages, above the {AUTO_LIMIT:,} to enumerate"
    if top == 1 and problem.model.n_parties == 2 and not mergeable:
        why += f"; not dp: {LINKED}"
    return "milp", why


def _fallback(problem: Problem) -> str:
    return "enumeration" if problem.space_size <= AUTO_LIMIT else "milp"


def _milp_slack(problem: Problem):  # type: ignore[no-untyped-def]
    def slack(group: list[int]) -> float | None:
        m = problem.model
        free = Problem(m, problem.respect_red_lines, False, problem.disagreement,
                       np.full(m.n_parties, -np.inf), problem.exempt, problem.fixed)
        active = np.zeros(m.n_parties, dtype=bool)
        active[group] = True
        shift = np.where(np.isfinite(problem.floor), problem.floor, 0.0)
        res = lex_maxmin(free, np.ones(m.n_parties), shift, active=active)
        return None if res.primary is None else float(res.primary)

    return slack


def solve(
    model: CompiledModel,
    method: str = "nash",
    parties: Sequence[str] | None = None,
    top: int = 1,
    respect_red_lines: bool = True,
    individual_rationality: bool = True,
    disagreement: Sequence[float] | dict[str, float] | None = None,
    baseline: IntArray | Sequence[int] | None = None,
    engine: str = "auto",
    time_limit: float | None = None,
    exempt: IntArray | Sequence[int] | None = None,
    fixed: IntArray | Sequence[int] | None = None,
) -> SolveResult:
    """The `top` best distinct packages by `method`, best first.

    `parties`: whose utilities the objective uses; by default the bargaining set (consent
    `all`). Every party's binding red lines and every constraint hold whatever the choice.
    Disagreement point: the reservations unless given (0 when individual rationality is off).
    `baseline` (a package of option indices) is required by "maxmin-gain". `exempt`: a
    package (a plan) whose crossed red lines stay exempt, by identity (`Problem.exempt`).
    `fixed`: (I,) option indices to keep, -1 where free (completing a plan's open issues).
    """
    t0 = time.perf_counter()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if top < 1:
        raise ValueError("top must be at least 1")
    problem = make_problem(model, parties, respect_red_lines=respect_red_lines,
                           individual_rationality=individual_rationality,
                           disagreement=disagreement,
                           floor_at_disagreement=method in ("nash", "ks"), exempt=exempt,
                           fixed=fixed)
    m = problem.model
    eng, why = _engine(problem, engine, top)
    base: IntArray | None = None
    if method == "maxmin-gain":
        if baseline is None:
            raise ValueError("maxmin-gain needs a baseline package (a plan)")
        base = np.asarray(baseline, dtype=np.int64)
    found = None
    if eng == "dp":
        found = _by_frontier(problem, method, base)
        if found is None:  # the frontier is too large, or issues linked: exact engines by size
            eng = _fallback(problem)
            why += "; " + (LINKED if problem.merged is None else
                           "the frontier outgrew its cap") + f", so {eng}"
    if found is None:
        found = _run(problem, method, eng, top, base, time_limit)
    seconds = time.perf_counter() - t0
    result = SolveResult(
        method=method, engine=eng, optimal=found.optimal, gap=float(found.gap),
        seconds=seconds, feasible=bool(found.packages), message="",
        packages=[solved(m, x, o) for x, o in zip(found.packages, found.objectives,
                                                    strict=True)],
        parties=m.party_ids,
        disagreement=dict(zip(m.party_ids, map(float, problem.disagreement), strict=True)),
        tolerance=found.tolerance, details=dict(found.details),
    )
    result.details["engine_reason"] = why
    result.details["space"] = problem.describe_space(AUTO_LIMIT if eng == "enumeration" else 0)
    if not found.packages:
        small = problem.space_size <= AUTO_LIMIT
        slack = best_min_slack(problem) if small else _milp_slack(problem)
        conflict = irreducible(problem) if found.optimal and problem.respect_red_lines else None
        if conflict is not None:
            result.details["conflict"] = conflict
        result.message = explain_infeasible(problem, slack, conflict) if found.optimal else \
            "no package found within the time limit; nothing is proven"
        result.optimal = found.optimal
    else:
        result.message = _describe(result, found)
    if respect_red_lines and (m.red_lines.probability < 1).any():
        result.message += (" Every stated red line is treated as binding, whatever its "
                           "probability.")
    result.seconds = time.perf_counter() - t0
    return result


def _run(problem: Problem, method: str, eng: str, top: int, base: IntArray | None,
         time_limit: float | None) -> Found:
    if method == "maxmin-gain":
        assert base is not None
        if eng == "enumeration":
            return _mmg.by_enumeration(problem, top, base)
        return _mmg.by_milp(problem, top, base, time_limit)
    mod: Any = {"nash": nash, "ks": kalai_smorodinsky, "egalitarian": egalitarian,
                "utilitarian": utilitarian}[method]
    if eng == "enumeration":
        return mod.by_enumeration(problem, top)  # type: ignore[no-any-return]
    return mod.by_milp(problem, top, time_limit=time_limit)  # type: ignore[no-any-return]


def _by_frontier(problem: Problem, method: str, base: IntArray | None) -> Found | None:
    """Exact for top 1: every concept here has an optimum on the Pareto frontier."""
    d = problem.disagreement
    score: Any
    needs_ideal = False
    if method == "nash":
        def score(u: Any) -> Any:
            return nash.log_product(u, d), u.sum(axis=1)
    elif method == "ks":
        def score(ideal: Any) -> Any:
            return kalai_smorodinsky.score_with(problem, ideal)
        needs_ideal = True
    elif method == "maxmin-gain":
        assert base is not None
        score = _mmg.score_with(problem.model.utilities(base))
    else:
        score = {"egalitarian": egalitarian.score, "utilitarian": utilitarian.score}[method]
    got = best_on_frontier(problem, score, needs_ideal=needs_ideal)
    if got is None:
        return None
    x, value = got
    if x is None:
        return Found([], [], True)
    msg = nash.DEGENERATE if method == "nash" and not np.isfinite(value) else ""
    return Found([x], [value], True, message=msg,
                 details={"via": "Pareto frontier by dynamic programming, then its best point"})


def _describe(result: SolveResult, found: Found) -> str:
    how = "proven optimal" if result.optimal else \
        f"NOT proven optimal (gap {result.gap:.3g}; a time limit was hit)"
    tol = f" to within {result.tolerance:g} on the log of the Nash product" \
        if result.tolerance and result.optimal else ""
    n = len(result.packages)
    what = f"the {n} best distinct packages" if n > 1 else "the best package"
    text = f"{NAMES[result.method]}: {what} by {result.engine}, {how}{tol}."
    if found.message:
        text += f" Note: {found.message}."
    return text


def frontier(
    model: CompiledModel,
    parties: Sequence[str] | None = None,
    respect_red_lines: bool = True,
    individual_rationality: bool = False,
    time_limit: float | None = None,
) -> Frontier:
    """The Pareto frontier of the parties (all scored parties by default)."""
    problem = make_problem(model, parties, respect_red_lines=respect_red_lines,
                           individual_rationality=individual_rationality)
    front = pareto_frontier(problem, time_limit=time_limit)
    if len(front) == 0:
        # An empty frontier needs its reason, as an empty solve result has.
        small = problem.space_size <= AUTO_LIMIT
        slack = best_min_slack(problem) if small else _milp_slack(problem)
        front = dataclasses.replace(front, message=explain_infeasible(problem, slack))
    return front


__all__ = [
    "AUTO_LIMIT",
    "EPS",
    "Frontier",
    "METHODS",
    "SolveResult",
    "SolvedPackage",
    "frontier",
    "make_problem",
    "solve",
]
