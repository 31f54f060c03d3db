"""Nash bargaining solution (Nash 1950, "The bargaining problem", Econometrica 18(2)): the
package maximising the product of gains over the disagreement point d, prod_p (u_p - d_p), over
packages giving every party at least d_p.

Enumeration ranks every package by sum_p log(u_p - d_p), exactly. Above that we solve the
concave problem max sum_p z_p, z_p <= log(u_p - d_p), by outer approximation (Duran and
Grossmann 1986, "An outer-approximation algorithm for a class of mixed-integer nonlinear
programs"): tangent cuts z_p <= log a + (g_p - a)/a over-estimate the log, so each MILP's proven
bound is an upper bound on the optimum, while the true value of every package found is a lower
bound. We add cuts at each new package and stop when the two meet within `tol` (in log units:
the product is within a factor exp(tol) of the best). A lower bound on each party's gain at the
optimum, g_p >= exp(LB - sum_{q != p} log gmax_q), keeps the logs finite without cutting it off.

When no package gives every party a positive gain, every Nash product is 0: we say so and rank
those packages by the sum of utilities.
"""

from __future__ import annotations

import math
import time

import numpy as np

from accord.model.compiled import FloatArray, IntArray
from accord.solve.base import Found, Problem, ones
from accord.solve.enumerate import top_k
from accord.solve.milp import base_program, lex_maxmin, maximize_linear

TOL = 1e-6
"""Default optimality tolerance of the MILP engine, on sum_p log(u_p - d_p)."""

_GRID = 12
_MIN_CUT = 1e-6
DEGENERATE = ("no package gives every party more than its disagreement point, so every Nash "
              "product is 0; packages are ranked by their sum of utilities")


def log_product(u: FloatArray, d: FloatArray) -> FloatArray:
    """sum_p log(u_p - d_p), -inf where some gain is not positive."""
    g = np.atleast_2d(u) - d
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((g > 0).all(axis=1), np.log(np.where(g > 0, g, 1.0)).sum(axis=1), -np.inf)
    return np.asarray(out)


def by_enumeration(problem: Problem, top: int) -> Found:
    d = problem.disagreement

    def score(u: FloatArray) -> tuple[FloatArray, FloatArray]:
        return log_product(u, d), u.sum(axis=1)

    x, prim, _ = top_k(problem, score, top)
    found = Found(list(x), [float(v) for v in prim], True)
    if len(found.objectives) and not np.isfinite(found.objectives[0]):
        found.message = DEGENERATE
    return found


def by_milp(problem: Problem, top: int, time_limit: float | None = None,
            tol: float = TOL) -> Found:
    cuts: list[list[float]] = [[] for _ in range(problem.model.n_parties)]
    out: list[IntArray] = []
    objs: list[float] = []
    optimal, gap = True, 0.0
    message = ""
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    for _ in range(top):
        x, val, proven, g, msg = _one(problem, out, cuts, deadline, tol)
        if x is None:
            optimal &= proven
            break
        out.append(x)
        objs.append(val)
        optimal &= proven
        gap = max(gap, g)
        message = message or msg
    return Found(out, objs, optimal, gap, message, tol, {"cuts": sum(len(c) for c in cuts)})


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.01, deadline - time.perf_counter())


def _one(problem: Problem, no_goods: list[IntArray], cuts: list[list[float]],
         deadline: float | None, tol: float
         ) -> tuple[IntArray | None, float, bool, float, str]:
    """The best package not in `no_goods`: (package, log product, proven, gap, message)."""
    m = problem.model
    d = problem.disagreement
    n_p = m.n_parties
    # Each party's largest gain, and a first package from max-min gain (a lower bound).
    gmax = np.empty(n_p)
    for p in range(n_p):
        w = np.zeros(n_p)
        w[p] = 1.0
        res = maximize_linear(problem, w, no_goods=no_goods, time_limit=_left(deadline))
        if res.package is None:
            return None, -np.inf, res.status == "infeasible", np.inf, ""
        gmax[p] = m.utilities(res.package)[p] - d[p]
    first = lex_maxmin(problem, ones(n_p), d, no_goods=no_goods, time_limit=_left(deadline))
    if first.package is None:
        return None, -np.inf, first.status == "infeasible", np.inf, ""
    g0 = m.utilities(first.package) - d
    if (g0 <= 1e-12).any():
        res = maximize_linear(problem, ones(n_p), no_goods=no_goods, time_limit=_left(deadline))
        x = res.package if res.package is not None else first.package
        return x, -np.inf, res.status == "optimal", 0.0, DEGENERATE
    best_x: IntArray = first.package
    best = float(np.log(g0).sum())
    logmax = np.log(gmax)
    delta = np.exp(best - (logmax.sum() - logmax))  # (P,) valid lower bounds on gains at optimum
    delta = np.minimum(delta, g0)
    prog = base_program(problem, no_goods)
    rows = prog.utility_rows()
    prog.add_rows(rows, d + delta * (1 - 1e-9), np.inf)
    z = [prog.add_aux(math.log(delta[p]) - 1.0, float(logmax[p]) + 1e-9) for p in range(n_p)]
    n_cols = prog.n_bin + n_p

    def add_cut(p: int, a: float) -> None:
        # z_p - g_p / a <= log a - 1, with g_p = u_p - d_p
        coef = np.zeros(n_cols)
        coef[: prog.n_bin] = -rows[p] / a
        coef[z[p]] = 1.0
        prog.add_rows(coef, -np.inf, math.log(a) - 1.0 - d[p] / a)

    for p in range(n_p):
        # Any set of tangents is a valid over-estimate; very small ones only hurt numerics.
        lo = max(float(delta[p]), _MIN_CUT)
        grid = np.geomspace(lo, max(float(gmax[p]), lo * (1 + 1e-9)), _GRID)
        for a in [*grid.tolist(), float(g0[p]), *cuts[p]]:
            add_cut(p, a)
    obj = np.zeros(n_cols)
    obj[prog.n_bin:] = 1.0
    upper = np.inf
    proven = False
    for _ in range(200):
        step = prog.solve(obj, time_limit=_left(deadline))
        if step.package is None:
            break  # only on a time limit: the incumbent stands, unproven
        upper = step.bound if step.bound is not None else step.objective or np.inf
        x = step.package
        u = m.utilities(x)
        val = float(log_product(u, d)[0])
        if val > best:
            best, best_x = val, x
        if step.status == "optimal" and upper - best <= tol:
            proven = True
            break
        if step.status != "optimal":
            break
        g = u - d
        for p in range(n_p):
            if g[p] > _MIN_CUT:
                cuts[p].append(float(g[p]))
                add_cut(p, float(g[p]))
    gap = max(0.0, float(upper - best)) if np.isfinite(upper) else np.inf
    return best_x, best, proven, gap, ""
