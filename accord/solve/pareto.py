"""The Pareto frontier: packages no other package beats for one party without hurting another.

Exact by multi-objective dynamic programming over issues (Nemhauser and Ullmann 1969,
"Discrete dynamic programming and capital allocation", Management Science 15(9)): utilities are
additive, so the frontier of issues 1..i+1 lies within the frontier of issues 1..i plus each
option of issue i+1. We filter after every issue, keep back-pointers to rebuild one package per
point, and add the utilities in the compiled model's order, so points equal the model's
utilities bit for bit. Dominance is weak (>= for all), so equal utility points collapse to one,
as in the ANL 2023 reference values. Walk-away floors are applied at the end (they are
upward-closed, so the frontier of the restricted set is the restricted frontier) and prune
partial packages that can no longer reach them.

Issues that constraints or conditional red lines link are merged into one group whose options
are their admissible combinations, which keeps the recursion exact; when a merged group would
be too large, the frontier is found by enumeration (small spaces) or the MILP methods below.

When the intermediate frontier grows past a cap: two parties fall back to the
epsilon-constraint method (Haimes, Lasdon and Wismer 1971) with one lexicographic MILP per
point, exact; three or more to a sweep of weighted-sum MILPs, an inner approximation (supported
points only), labelled `exact=False`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from accord.model.compiled import FloatArray, IntArray
from accord.solve.base import EPS, Frontier, Problem
from accord.solve.milp import base_program

DP_CAP_2 = 2_000_000
DP_CAP_N = 100_000
DECIMALS = 10
"""Frontier points equal to this many decimals are one point (as the ANL references)."""


def nondominated(u: FloatArray) -> IntArray:
    """Indices of the weakly non-dominated rows of u (N, P), duplicates kept once."""
    n, p = u.shape
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if p == 1:
        return np.array([int(np.argmax(u[:, 0]))])
    if p == 2:
        order = np.lexsort((-u[:, 1], -u[:, 0]))
        u1 = u[order, 1]
        prev = np.concatenate([[-np.inf], np.maximum.accumulate(u1)[:-1]])
        return np.sort(order[u1 > prev])
    # P >= 3: by decreasing sum, each point can only be dominated by earlier ones.
    order = np.lexsort((*(-u[:, k] for k in range(p - 1, -1, -1)), -u.sum(axis=1)))
    kept: list[int] = []
    front = np.empty((0, p))
    block = 512
    for s in range(0, n, block):
        idx = order[s: s + block]
        b = u[idx]
        dom: np.ndarray = np.zeros(len(idx), dtype=bool)
        if len(front):
            ge = np.asarray(front[None, :, :] >= b[:, None, :])
            dom = np.asarray(np.any(np.all(ge, axis=2), axis=1))
        # Within the block, in order.
        for j in np.flatnonzero(~dom):
            if j and kept_block_dominates(b, int(j), dom):
                dom[j] = True
        new = idx[~dom]
        kept.extend(new.tolist())
        front = np.concatenate([front, u[new]])
    return np.sort(np.array(kept, dtype=np.int64))


def kept_block_dominates(b: FloatArray, j: int, dom: np.ndarray) -> bool:
    earlier = b[:j][~dom[:j]]
    return bool(len(earlier) and (earlier >= b[j]).all(axis=1).any())


def by_dp(problem: Problem, cap: int | None = None) -> tuple[FloatArray, IntArray] | None:
    """(K, P) frontier utilities and (K, I) packages, or None when the frontier outgrows cap
    (or linked issues form a group too large to merge).

    Issues that constraints or conditional red lines link are merged into one group whose
    options are their admissible combinations (`Problem.groups`): the groups are then
    independent and additive, so the recursion stays exact."""
    m = problem.model
    groups = problem.merged
    if groups is None:
        return None
    if any(len(c) == 0 for _, c in groups):
        return np.empty((0, m.n_parties)), np.empty((0, m.n_issues), dtype=np.int64)
    cap = cap if cap is not None else (DP_CAP_2 if m.n_parties <= 2 else DP_CAP_N)
    table = m.table  # (P, I, O)

    def gains(issues: list[int], combos: IntArray) -> FloatArray:
        """(k, P) utility each combination of the group adds, in issue order."""
        out = table[:, issues[0], combos[:, 0]].T.copy()
        for j, i in enumerate(issues[1:], start=1):
            out += table[:, i, combos[:, j]].T
        return np.asarray(out)

    adds = [gains(issues, combos) for issues, combos in groups]
    n_g = len(groups)
    # Best each party can still add from groups g.. (for pruning against the floors).
    best_rest = np.zeros((n_g + 1, m.n_parties))
    for g in range(n_g - 1, -1, -1):
        best_rest[g] = best_rest[g + 1] + adds[g].max(axis=0)
    floor = np.where(np.isfinite(problem.floor), problem.floor, -np.inf)
    vals = adds[0].copy()  # (n, P)
    parents: list[IntArray] = [np.full(len(vals), -1)]
    opts: list[IntArray] = [np.arange(len(vals), dtype=np.int64)]
    keep = nondominated(vals)
    vals, parents[0], opts[0] = vals[keep], parents[0][keep], opts[0][keep]
    for g in range(1, n_g):
        add = adds[g]  # (k, P)
        k = add.shape[0]
        cand = (vals[:, None, :] + add[None, :, :]).reshape(-1, m.n_parties)
        par = np.repeat(np.arange(vals.shape[0]), k)
        opt = np.tile(np.arange(k), vals.shape[0]).astype(np.int64)
        reach = (cand + best_rest[g + 1] >= floor - 1e-12).all(axis=1)
        cand, par, opt = cand[reach], par[reach], opt[reach]
        keep = nondominated(cand)
        if len(keep) > cap:
            return None
        vals = cand[keep]
        parents.append(par[keep])
        opts.append(opt[keep])
    ok = (vals >= floor - 1e-12).all(axis=1)
    rows = np.flatnonzero(ok)
    packages = np.empty((len(rows), m.n_issues), dtype=np.int64)
    cur = rows
    for g in range(n_g - 1, -1, -1):
        issues, combos = groups[g]
        packages[:, issues] = combos[opts[g][cur]]
        cur = parents[g][cur]
    u = m.utilities(packages).reshape(-1, m.n_parties)
    # Sums of different options may differ in the last bits only: merge points equal to
    # DECIMALS places (rounding is monotone, so no point dominated exactly survives).
    keep = nondominated(np.round(u, DECIMALS))
    u, packages = u[keep], packages[keep]
    order = np.lexsort((-u[:, 1] if m.n_parties > 1 else np.zeros(len(u)), u[:, 0]))
    return u[order], packages[order]


def by_epsilon_constraint(problem: Problem, time_limit: float | None = None,
                          max_points: int = 100_000) -> tuple[FloatArray, IntArray, bool]:
    """Two parties: walk the frontier by increasing u_0, each point by two MILPs (exact up to
    EPS: points closer than EPS in u_0 are merged)."""
    m = problem.model
    rows = base_program(problem).utility_rows()
    us: list[FloatArray] = []
    xs: list[IntArray] = []
    level = -np.inf
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    exact = True
    while len(xs) < max_points:
        left = None if deadline is None else max(0.01, deadline - time.perf_counter())
        # HiGHS accepts rows violated by up to its MIP feasibility tolerance (1e-6): a package
        # below the level by the true utilities is excluded by a no-good cut and we solve again.
        below: list[IntArray] = []
        while True:
            prog = base_program(problem, below)
            if np.isfinite(level):
                prog.add_rows(rows[0], level, np.inf)
            r1 = prog.solve(rows[1], time_limit=left)
            if r1.package is None or m.utilities(r1.package)[0] >= level - 1e-12:
                break
            below.append(r1.package)
        if r1.package is None:
            exact &= r1.status == "infeasible"
            break
        u1 = m.utilities(r1.package)[1]
        prog2 = base_program(problem, below)
        prog2.add_rows(rows[1], u1 - 1e-9, np.inf)
        if np.isfinite(level):
            prog2.add_rows(rows[0], level, np.inf)
        r2 = prog2.solve(rows[0], time_limit=left)
        x = r2.package if r2.package is not None else r1.package
        exact &= r1.status == "optimal" and r2.status == "optimal"
        u = m.utilities(x)
        us.append(u)
        xs.append(x)
        level = float(u[0]) + EPS
    else:
        exact = False
    if not xs:
        return np.empty((0, m.n_parties)), np.empty((0, m.n_issues), dtype=np.int64), exact
    return np.array(us), np.array(xs), exact


def by_weighted_sums(problem: Problem, n_weights: int = 64, seed: int = 0,
                     time_limit: float | None = None) -> tuple[FloatArray, IntArray]:
    """Supported frontier points from weighted-sum MILPs over random simplex weights (an inner
    approximation: unsupported points are missed)."""
    m = problem.model
    rng = np.random.default_rng(seed)
    weights = np.vstack([np.eye(m.n_parties), np.full((1, m.n_parties), 1.0 / m.n_parties),
                         rng.dirichlet(np.ones(m.n_parties), size=n_weights)])
    rows = base_program(problem).utility_rows()
    xs = []
    for w in weights:
        prog = base_program(problem)
        # A tiny equal weight breaks ties toward non-dominated points.
        res = prog.solve((w + 1e-6) @ rows, time_limit=time_limit)
        if res.package is not None:
            xs.append(res.package)
    if not xs:
        return np.empty((0, m.n_parties)), np.empty((0, m.n_issues), dtype=np.int64)
    x = np.unique(np.array(xs), axis=0)
    u = m.utilities(x).reshape(-1, m.n_parties)
    keep = nondominated(np.round(u, DECIMALS))
    order = np.argsort(u[keep, 0], kind="stable")
    return u[keep][order], x[keep][order]


ENUMERATE_FRONTIER = 1_000_000
"""Linked issues: the frontier is found by enumerating up to this many packages."""

LINKED = ("constraints or conditional red lines link issues into a group too large to merge "
          "for the dynamic programme")


def by_enumeration(problem: Problem) -> tuple[FloatArray, IntArray]:
    """Exact frontier of a small space: every feasible package, then the non-dominated."""
    m = problem.model
    us: list[FloatArray] = []
    xs: list[IntArray] = []
    for x in problem.packages():
        u = m.utilities(x)
        ok = problem.feasible_mask(u)
        x, u = x[ok], u[ok]
        keep = nondominated(np.round(u, DECIMALS))
        us.append(u[keep])
        xs.append(x[keep])
    if not us:
        return np.empty((0, m.n_parties)), np.empty((0, m.n_issues), dtype=np.int64)
    u, x = np.concatenate(us), np.concatenate(xs)
    keep = nondominated(np.round(u, DECIMALS))
    u, x = u[keep], x[keep]
    order = np.lexsort((-u[:, 1] if m.n_parties > 1 else np.zeros(len(u)), u[:, 0]))
    return u[order], x[order]


def pareto_frontier(problem: Problem, *, time_limit: float | None = None) -> Frontier:
    """The frontier for the problem's parties, exact when it can be, and labelled."""
    t0 = time.perf_counter()
    m = problem.model
    parties = m.party_ids
    dp = by_dp(problem)
    if dp is not None:
        u, x = dp
        how = "dynamic programming over issues" + \
            (" (linked issues merged into one)" if problem.linked else "")
        return Frontier(u, x, parties, True, how, seconds=time.perf_counter() - t0)
    if problem.linked and problem.space_size <= ENUMERATE_FRONTIER:
        u, x = by_enumeration(problem)
        return Frontier(u, x, parties, True, f"enumeration ({LINKED})",
                        seconds=time.perf_counter() - t0)
    if m.n_parties == 2:
        u, x, exact = by_epsilon_constraint(problem, time_limit)
        return Frontier(u, x, parties, exact, "epsilon-constraint MILP" +
                        (" (exact to 1e-6)" if exact else " (incomplete: limit reached)"),
                        seconds=time.perf_counter() - t0)
    u, x = by_weighted_sums(problem, time_limit=time_limit)
    return Frontier(u, x, parties, False,
                    "weighted-sum MILP sweep (inner approximation: supported points only)",
                    "the frontier is too large to list exactly; these points are on it but "
                    "others are missing", seconds=time.perf_counter() - t0)


AUTO_DP_CAP = 200_000
"""The `dp` engine gives up (and the facade falls back) when a frontier outgrows this."""


def best_on_frontier(problem: Problem, score: Callable[[FloatArray], tuple[FloatArray, FloatArray]]
                     | Callable[[FloatArray], Callable[[FloatArray], tuple[FloatArray,
                                                                             FloatArray]]],
                     *, needs_ideal: bool = False, cap: int = AUTO_DP_CAP
                     ) -> tuple[IntArray, float] | None | tuple[None, float]:
    """The best package by a (primary, sum) objective that a Pareto improvement cannot lower
    (all concepts here): some optimum lies on the frontier, so the frontier's best point is
    optimal. Returns (package, primary), (None, nan) for an empty feasible set, or None when
    the frontier outgrows `cap`."""
    dp = by_dp(problem, cap)
    if dp is None:
        return None
    u, x = dp
    if not len(u):
        return None, float("nan")
    fn = score(u.max(axis=0)) if needs_ideal else score  # type: ignore[call-arg]
    prim, sec = fn(u)  # type: ignore[misc, operator]
    from accord.solve.enumerate import _order

    k = int(_order(np.asarray(prim), np.asarray(sec))[0])
    return x[k], float(prim[k])
