"""Kalai-Smorodinsky solution (Kalai and Smorodinsky 1975, "Other solutions to Nash's
bargaining problem", Econometrica 43(3)): gains over the disagreement point d in proportion to
each party's ideal gain, I_p - d_p, where I_p is party p's best utility over the bargaining set.

On a finite set of packages the line to the ideal point rarely hits a package, so we take the
discrete form: maximise min_p (u_p - d_p) / (I_p - d_p), ties broken by the largest sum
(lexicographic). Parties whose ideal equals d (nothing to gain) are left out of the minimum.
Exact: ideal by one MILP per party, then a two-stage max-min MILP; or enumeration.

`min_difference_point` is the bilateral variant used by the ANL 2023 organisers (the Pareto
point with the smallest |u_A - u_B|, d = 0), kept to reproduce their published values.
"""

from __future__ import annotations

import numpy as np

from accord.model.compiled import FloatArray
from accord.solve.base import EPS, Found, Frontier, Problem
from accord.solve.egalitarian import lex_loop
from accord.solve.enumerate import max_utilities, top_k
from accord.solve.milp import maximize_linear


def _scale(problem: Problem, ideal: FloatArray) -> tuple[FloatArray, np.ndarray]:
    rng = ideal - problem.disagreement
    return np.where(rng > EPS, rng, 1.0), rng > EPS


def score_with(problem: Problem, ideal: FloatArray):  # type: ignore[no-untyped-def]
    scale, active = _scale(problem, ideal)
    d = problem.disagreement

    def score(u: FloatArray) -> tuple[FloatArray, FloatArray]:
        if not active.any():
            return np.zeros(u.shape[0]), u.sum(axis=1)
        return ((u - d) / scale)[:, active].min(axis=1), u.sum(axis=1)

    return score


def by_enumeration(problem: Problem, top: int) -> Found:
    ideal = max_utilities(problem)
    if ideal is None:
        return Found([], [], True)
    x, prim, _ = top_k(problem, score_with(problem, ideal), top)
    return Found(list(x), [float(v) for v in prim], True,
                 details={"ideal": ideal.tolist()})


def ideal_by_milp(problem: Problem, time_limit: float | None = None
                  ) -> tuple[FloatArray | None, bool]:
    m = problem.model
    ideal = np.empty(m.n_parties)
    optimal = True
    for p in range(m.n_parties):
        w = np.zeros(m.n_parties)
        w[p] = 1.0
        res = maximize_linear(problem, w, time_limit=time_limit)
        if res.package is None:
            return None, res.status == "infeasible"
        ideal[p] = m.utilities(res.package)[p]
        # A time-limited ideal is only a lower bound on I_p; the ratio is then not proven.
        optimal &= res.status == "optimal"
    return ideal, optimal


def by_milp(problem: Problem, top: int, time_limit: float | None = None) -> Found:
    ideal, ok = ideal_by_milp(problem, time_limit)
    if ideal is None:
        return Found([], [], ok)
    scale, active = _scale(problem, ideal)
    d = problem.disagreement

    def value(u: FloatArray) -> float:
        return float(((u - d) / scale)[active].min()) if active.any() else 0.0

    found = lex_loop(problem, top, scale, d, active, time_limit, value)
    found.optimal &= ok
    found.details["ideal"] = ideal.tolist()
    return found


def min_difference_point(front: Frontier) -> int:
    """Index of the frontier point with the smallest |u_0 - u_1| (ANL 2023's "Kalai")."""
    if front.utilities.shape[1] != 2:
        raise ValueError("the min-difference point is defined for two parties")
    return int(np.argmin(np.abs(front.utilities[:, 0] - front.utilities[:, 1])))
