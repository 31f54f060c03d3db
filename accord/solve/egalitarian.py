"""Egalitarian (max-min utility) solution: the package whose worst-off party is best off
(Rawls 1971; Kalai 1977, "Proportional solutions to bargaining situations", for the bargaining
form). Ties are broken by the largest sum of utilities (lexicographic max-min).

Exact: a two-stage MILP (max t subject to u_p >= t; then max sum at that t) or enumeration.
"""

from __future__ import annotations

import numpy as np

from accord.model.compiled import FloatArray, IntArray
from accord.solve.base import Found, Problem, ones
from accord.solve.enumerate import top_k
from accord.solve.milp import lex_maxmin


def score(u: FloatArray) -> tuple[FloatArray, FloatArray]:
    return u.min(axis=1), u.sum(axis=1)


def by_enumeration(problem: Problem, top: int) -> Found:
    x, prim, _ = top_k(problem, score, top)
    return Found(list(x), [float(v) for v in prim], True)


def by_milp(problem: Problem, top: int, time_limit: float | None = None) -> Found:
    p = problem.model.n_parties
    return lex_loop(problem, top, ones(p), np.zeros(p), None, time_limit,
                    lambda u: float(u.min()))


def lex_loop(problem: Problem, top: int, scale: FloatArray, shift: FloatArray,
             active: np.ndarray | None, time_limit: float | None, value: object) -> Found:
    """K best distinct packages of a max-min program, each by two MILPs plus no-good cuts."""
    out: list[IntArray] = []
    objs: list[float] = []
    optimal, gap = True, 0.0
    for _ in range(top):
        res = lex_maxmin(problem, scale, shift, no_goods=out, time_limit=time_limit,
                         active=active)
        if res.package is None:
            optimal &= res.status in ("optimal", "infeasible")
            break
        out.append(res.package)
        objs.append(value(problem.model.utilities(res.package)))  # type: ignore[operator]
        optimal &= res.status == "optimal"
        gap = max(gap, res.gap)
    return Found(out, objs, optimal, gap)
