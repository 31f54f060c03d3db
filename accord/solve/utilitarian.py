"""Utilitarian solution: the package with the largest sum of utilities (Harsanyi 1955,
"Cardinal welfare, individualistic ethics, and interpersonal comparisons of utility").

Enumeration breaks ties by the larger smallest utility; the MILP (linear, so exact) proves the
optimal sum and returns one package attaining it.
"""

from __future__ import annotations

from accord.model.compiled import FloatArray, IntArray
from accord.solve.base import Found, Problem, ones
from accord.solve.enumerate import top_k
from accord.solve.milp import maximize_linear


def score(u: FloatArray) -> tuple[FloatArray, FloatArray]:
    return u.sum(axis=1), u.min(axis=1)

def by_enumeration(problem: Problem, top: int) -> Found:
    x, prim, _ = top_k(problem, score, top)
    return Found(list(x), [float(v) for v in prim], True)

def by_milp(problem: Problem, top: int, time_limit: float | None = None) -> Found:
    out: list[IntArray] = []
    objs: list[float] = []
    optimal, gap = True, 0.0
    for _ in range(top):
        res = maximize_linear(problem, ones(problem.model.n_parties), no_goods=out,
                              time_limit=time_limit)
        if res.package is None:
            optimal &= res.status in ("optimal", "infeasible")
            break
        out.append(res.package)
        objs.append(float(problem.model.utilities(res.package).sum()))
        optimal &= res.status == "optimal"
        gap = max(gap, res.gap)
    return Found(out, objs, optimal, gap)
