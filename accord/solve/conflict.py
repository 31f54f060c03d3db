"""Why no package is feasible: an irreducible set of constraints and red lines.

The deletion filter (Chinneck and Dravnieks 1991, "Locating minimal infeasible constraint sets
in linear programs", ORSA Journal on Computing 3(2)):
1. take every constraint and every binding red line of the problem (walk-aways aside);
2. if together they leave a package, there is no conflict: stop;
3. for each item in turn, drop it; if the rest still leaves no package, it stays dropped;
4. what remains leaves no package, and dropping any one of it leaves one: irreducible.
Each feasibility test is a scan of the packages on small spaces and a MILP (HiGHS) above.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from accord.model.compiled import Constraints
from accord.solve.base import Problem

SCAN_LIMIT = 200_000


def _subproblem(problem: Problem, keep_c: np.ndarray, keep_r: np.ndarray) -> Problem:
    m = problem.model
    cons = m.constraints
    assert cons is not None
    sub_c = Constraints(tuple(c for c, k in zip(cons.ids, keep_c, strict=True) if k),
                        cons.issues[keep_c], cons.options[keep_c])
    model = dataclasses.replace(m, red_lines=problem.lines.select(keep_r), constraints=sub_c)
    n = m.n_parties
    return Problem(model, True, False, np.zeros(n), np.full(n, -np.inf), None, problem.fixed)


def has_package(problem: Problem) -> bool:
    """Some package meets the constraints and red lines (floors ignored)."""
    if any(len(a) == 0 for a in problem.allowed):
        return False
    if not problem.linked:
        return True
    if problem.space_size <= SCAN_LIMIT:
        return any(True for _ in problem.packages())
    from accord.solve.milp import PackageProgram

    prog = PackageProgram(problem.model, problem=problem)
    return prog.solve(np.zeros(prog.n_bin)).package is not None


def irreducible(problem: Problem) -> list[str] | None:
    """Ids of an irreducible conflicting set, or None when the red lines and constraints
    leave some package (the trouble, if any, is the walk-aways)."""
    cons = problem.model.constraints
    assert cons is not None
    keep_c = np.ones(len(cons), dtype=bool)
    keep_r = np.ones(len(problem.lines), dtype=bool)
    if has_package(_subproblem(problem, keep_c, keep_r)):
        return None
    for keep in (keep_c, keep_r):
        for k in range(len(keep)):
            keep[k] = False
            if has_package(_subproblem(problem, keep_c, keep_r)):
                keep[k] = True
    return [c for c, k in zip(cons.ids, keep_c, strict=True) if k] + \
        [r for r, k in zip(problem.lines.ids, keep_r, strict=True) if k]
