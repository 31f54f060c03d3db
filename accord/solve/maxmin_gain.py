"""Max-min gain over a baseline package: the improvement step of Smartsettle.

Given a baseline (a plan on the table), find the package that raises the smallest gain the
most, max_x min_p [u_p(x) - u_p(baseline)], breaking ties by the largest total gain
(lexicographic max-min; Thiessen and Soberg 2003 on Smartsettle's "maximizing the minimum
gain"; Raiffa 1982, ch. 11, on post-settlement settlements). If the result leaves nobody worse
off and somebody better off, the baseline is not Pareto-efficient and the result is the
improvement to propose; otherwise the baseline is efficient.

Exact by enumeration on small spaces, by the Pareto dynamic programme for two parties, and
by MILP (HiGHS) on large ones; `accord.evaluate` uses it through `accord.solve.solve`.
"""

from __future__ import annotations

import numpy as np

from accord.model.compiled import FloatArray, IntArray
from accord.solve.base import Found, Problem
from accord.solve.enumerate import top_k

# --- the concept behind the facade's method "maxmin-gain" ---------------------------------------


def score_with(baseline_u: FloatArray):  # type: ignore[no-untyped-def]
    def score(u: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (u - baseline_u).min(axis=1), u.sum(axis=1)

    return score


def by_enumeration(problem: Problem, top: int, baseline: IntArray) -> Found:
    base_u = problem.model.utilities(np.asarray(baseline))
    x, prim, _ = top_k(problem, score_with(base_u), top)
    return Found(list(x), [float(v) for v in prim], True)


def by_milp(problem: Problem, top: int, baseline: IntArray,
            time_limit: float | None = None) -> Found:
    from accord.solve.egalitarian import lex_loop

    base_u = problem.model.utilities(np.asarray(baseline))
    p = problem.model.n_parties
    return lex_loop(problem, top, np.ones(p), base_u, None, time_limit,
                    lambda u: float((u - base_u).min()))
