"""Exact lexicographic max-min by a Lagrangian bound and enumeration, before any MILP.

The programs of `accord.solve.milp.lex_maxmin` (max t s.t. g_p(x) = (u_p(x) - shift_p) /
scale_p >= t for the active parties, then the largest sum of utilities at that t) are what
the improvement search, the egalitarian and the Kalai-Smorodinsky solutions solve. Relaxing
the party rows with multipliers lam >= 0 summing to 1 (Lagrangian relaxation: Fisher 1981,
"The Lagrangian relaxation method for solving integer programming problems", Management
Science 27(1)) bounds every package: min_p g_p(x) <= lam . g(x) = B - rc(x), where B is the
sum over issues of the best lam-weighted option (less lam . shift / scale) and rc(x) >= 0 the
sum of the package's per-issue reduced costs. So every package whose smallest g is at least L
has rc(x) <= B - L: enumerating the packages within that budget finds the optimum exactly
(with lam from the LP relaxation, B - t* is the integrality gap, usually small). A package
must also be able to reach L on each g alone (its g so far plus the best of the issues left),
which prunes most partial packages once an incumbent is known.

Steps:
1. lam from the LP relaxation (the dual of the first stage: min over lam of B), by HiGHS;
   B and the reduced costs are then recomputed from lam, so the bound holds for any lam;
2. enumerate the packages of the allowed options with rc(x) <= delta that can still reach
   t_best - LEX_TOL on every g (issues that move g most first, then back to package-number
   order), keep the feasible ones (linking rows, floors, no-good cuts), and raise t_best to
   their largest smallest g;
3. t_best >= B - delta (or a delta that admits every package) proves t* = t_best: every
   better package is within the budget. Otherwise delta grows (`START`, times `GROWTH`, or
   straight to B - t_best when that is near) and 2 repeats; above `CAP` candidates at any
   level, or with nothing feasible, it gives up (None) and the caller runs the MILP;
4. second stage, over the budget B - t* + LEX_TOL / min scale: among the packages whose
   every row is within `LEX_TOL` of t* (the MILP's second-stage rows), the largest sum of
   utilities, ties (to 1e-9) to the lowest package number.

Measured on benchmarks/ukraine-2025-frozen.yaml (3 parties, 25 issues, 87 columns): each of
the three plans' improvement searches takes one LP and 3 enumerations of at most 45
candidates, instead of two HiGHS branch and bounds of 1 to 99 nodes; on random models of 3
to 10 parties and 25 to 40 issues the step was 5 to 15 times faster than HiGHS alone, with
the same values (`benchmarks/score_cpu.py`; `tests/solve/test_lagrange.py` checks it against
brute force).
"""

from __future__ import annotations

import highspy
import numpy as np
from scipy.sparse import csr_matrix

from accord.model.compiled import FloatArray, IntArray
from accord.solve.base import Problem

CAP = 60_000
"""Most candidate packages one enumeration may hold before the MILP is left to do it (0 turns
this step off)."""

SLACK = 1e-9
"""Budgets and reachability tests are widened by this much (times the size of g, when g is
larger than 1) against rounding: wider only enumerates more, and every candidate is scored
with its true utilities."""

START = 1e-3
"""The first budget above zero (in units of g); each miss multiplies it by `GROWTH`."""

GROWTH = 4.0

T_BOUND = 10.0
"""The MILP bounds t to [-10, 10]: optima at or beyond those bounds are left to it."""


def multipliers(w: list[FloatArray], const: FloatArray) -> FloatArray | None:
    """lam minimising B(lam) = sum_i max_o lam . w_io - lam . const, lam >= 0 summing to 1
    (the dual of the first stage's LP relaxation): min sum_i z_i - lam . const subject to
    z_i >= lam . w_io for every allowed option. `w[i]` is (n_allowed_i, n_active): the
    options' g coefficients on issue i; `const` the constant part of g."""
    from accord.solve.milp import highs_lp

    n_act, n_i = const.shape[0], len(w)
    issue = np.repeat(np.arange(n_i), [wi.shape[0] for wi in w])
    r = issue.shape[0]
    # Rows: -w_io . lam + z_i >= 0, then sum lam = 1; columns: lam, then z.
    a = csr_matrix(np.block([[-np.vstack(w), np.eye(n_i)[issue]],
                             [np.ones((1, n_act)), np.zeros((1, n_i))]]))
    c = np.concatenate([-const, np.ones(n_i)])
    lower = np.concatenate([np.zeros(n_act), np.full(n_i, -np.inf)])
    row_lo = np.concatenate([np.zeros(r), [1.0]])
    row_hi = np.concatenate([np.full(r, np.inf), [1.0]])
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.passModel(highs_lp(c, a, lower, np.full(n_act + n_i, np.inf), row_lo, row_hi))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    lam = np.clip(np.asarray(h.getSolution().col_value[:n_act], dtype=float), 0.0, None)
    total = lam.sum()
    return lam / total if total > 0 else None


def within(rc: list[FloatArray], opts: list[IntArray], budget: float, cap: int,
           w: list[FloatArray], need: FloatArray, slack: float) -> IntArray | None:
    """(N, I) packages with sum_i rc_i[x_i] <= budget whose coefficients w (per issue,
    (k_i, P)) can still sum to `need` - `slack` for every party, in lexicographic order of
    the issues as given (options of each ascending); None when a level holds more than
    `cap`. Without `need`, a prefix within the budget completes with zero-cost options, so no
    level holds more than the final one."""
    rest = np.zeros((len(rc) + 1, need.shape[0]))
    for i in range(len(rc) - 1, -1, -1):
        rest[i] = rest[i + 1] + w[i].max(axis=0)
    s = np.zeros(1)
    g = np.zeros((1, need.shape[0]))
    prune = bool(np.isfinite(need).any())
    parents: list[IntArray] = []
    chosen: list[IntArray] = []
    for i, (r, o) in enumerate(zip(rc, opts, strict=True)):
        tot = s[:, None] + r[None, :]
        a, b = np.nonzero(tot <= budget)
        gi = g[a] + w[i][b]
        if prune:
            ok = (gi + rest[i + 1] >= need - slack).all(axis=1)
            a, b, gi = a[ok], b[ok], gi[ok]
        if a.shape[0] > cap:
            return None
        parents.append(a)
        chosen.append(o[b])
        s, g = tot[a, b], gi
    n = s.shape[0]
    x = np.empty((n, len(rc)), dtype=np.int64)
    cur = np.arange(n)
    for i in range(len(rc) - 1, -1, -1):
        x[:, i] = chosen[i][cur]
        cur = parents[i][cur]
    return x


def lex_maxmin(problem: Problem, scale: FloatArray, shift: FloatArray, active: np.ndarray,
               no_goods: list[IntArray] | None, lex_tol: float
               ) -> tuple[IntArray, float] | None:
    """The lexicographic max-min package and t*, exactly, or None when the enumeration
    would be too large (or the program is outside what this handles): run the MILP then."""
    m = problem.model
    act = np.flatnonzero(active)
    allowed = problem.allowed
    if CAP <= 0 or not len(act) or (scale[act] <= 0).any() or any(len(a) == 0 for a in allowed):
        return None
    sc, sh = scale[act], shift[act]
    # w[i]: (n_allowed_i, n_active) per-option contribution to g (the shift is a constant).
    w = [(m.table[act][:, i, a] / sc[:, None]).T for i, a in enumerate(allowed)]
    lam = multipliers(w, sh / sc)
    if lam is None:
        return None
    lw = [wi @ lam for wi in w]
    best_w = np.array([v.max() for v in lw])
    rc = [best_w[i] - v for i, v in enumerate(lw)]
    bound = float(best_w.sum() - lam @ (sh / sc))
    eps = SLACK * max(1.0, float(sum(np.abs(wi).max() for wi in w)), abs(bound))
    ng = np.array(no_goods, dtype=np.int64).reshape(-1, m.n_issues) if no_goods else None

    # Issues whose options move some party's g the most first: the reachability test then
    # prunes early levels. Packages are put back in package-number order afterwards.
    order = np.argsort([-float(np.ptp(wi, axis=0).max()) for wi in w], kind="stable")

    def scored(budget: float, low: float) -> tuple[IntArray, FloatArray, FloatArray] | None:
        """The feasible packages within `budget` whose every g may reach `low`."""
        y = within([rc[i] for i in order], [allowed[i] for i in order], budget + eps, CAP,
                   [w[i] for i in order], low + sh / sc, eps)
        if y is None:
            return None
        x = np.empty_like(y)
        x[:, order] = y
        x = x[np.lexsort(x.T[::-1])]
        if problem.linked:
            x = x[problem.admissible(x)]
        if ng is not None and x.shape[0]:
            x = x[~(x[:, None, :] == ng[None]).all(axis=2).any(axis=1)]
        u = m.utilities(x).reshape(-1, m.n_parties)
        ok = problem.feasible_mask(u)
        x, u = x[ok], u[ok]
        t = ((u[:, act] - sh) / sc).min(axis=1) if x.shape[0] else np.empty(0)
        return x, u, t

    tol = lex_tol / float(sc.min())
    full = float(sum(r.max() for r in rc))  # a budget this large enumerates every package
    delta, t_best = 0.0, -np.inf
    got = None
    for _ in range(60):
        got = scored(delta, t_best - tol)
        if got is None:
            return None
        if got[2].shape[0]:
            t_best = float(got[2].max())
        if t_best >= bound - delta or delta >= full:
            break
        gap = bound - t_best
        grow = max(GROWTH * delta, START)
        # Jumping to the gap, take the second stage's budget at once (a superset).
        delta = gap + tol if gap <= grow else grow
    else:
        return None
    if not np.isfinite(t_best) or abs(t_best) >= T_BOUND:
        return None
    need = bound - t_best + tol
    if need > delta:
        got = scored(need, t_best - tol)
        if got is None:
            return None
    x, u, _ = got
    near = (u[:, act] - sh - sc * t_best >= -lex_tol).all(axis=1)
    total = u.sum(axis=1)
    top = float(total[near].max())
    pick = int(np.flatnonzero(near & (total >= top - 1e-9))[0])
    return x[pick], t_best
