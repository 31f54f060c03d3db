"""Max-min gain over a baseline package: the improvement step of Smartsettle.

Given a baseline (a plan on the table), find the package that raises the smallest gain the
most, max_x min_p [u_p(x) - u_p(baseline)], breaking ties by the largest total gain
(lexicographic max-min; Thiessen and Soberg 2003 on Smartsettle's "maximizing the minimum
gain"; Raiffa 1982, ch. 11, on post-settlement settlements). If the result leaves nobody worse
off and somebody better off, the baseline is not Pareto-efficient and the result is the
improvement to propose; otherwise the baseline is efficient.

Exact by enumeration on small spaces and by MILP (HiGHS) on large ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accord.model.compiled import CompiledModel, FloatArray, IntArray
from accord.solve.base import EPS, Found, Problem
from accord.solve.enumerate import ENUMERATION_LIMIT, chunks, top_k
from accord.solve.milp import PackageProgram


@dataclass(frozen=True)
class GainResult:
    package: IntArray | None
    utilities: FloatArray | None
    gains: FloatArray | None
    min_gain: float | None
    engine: str
    optimal: bool
    gap: float

    @property
    def improves(self) -> bool:
        """Nobody loses and somebody gains: a Pareto improvement over the baseline."""
        return (
            self.gains is not None
            and bool((self.gains >= -EPS).all())
            and float(self.gains.sum()) > EPS
        )


def maxmin_gain(
    model: CompiledModel,
    baseline: IntArray,
    *,
    respect_red_lines: bool = True,
    individual_rationality: bool = False,
    engine: str = "auto",
    time_limit: float | None = None,
    exempt: IntArray | None = None,
) -> GainResult:
    """The lexicographic max-min gain package over `baseline` for all scored parties.

    `exempt`: a package whose options stay allowed even where a red line forbids them (pass
    the baseline to search among packages that cross no red line the baseline does not).
    """
    base_u = model.utilities(np.asarray(baseline))
    ex = None if exempt is None else np.asarray(exempt, dtype=np.int64)
    if engine == "auto":
        engine = "enumeration" if model.size <= ENUMERATION_LIMIT else "milp"
    if engine == "enumeration":
        return _by_enumeration(model, base_u, respect_red_lines, individual_rationality, ex)
    if engine == "milp":
        return _by_milp(model, base_u, respect_red_lines, individual_rationality, time_limit, ex)
    raise ValueError(f"unknown engine {engine!r}; use auto, enumeration or milp")


def _feasible(model: CompiledModel, x: IntArray, u: FloatArray, red: bool, ir: bool,
              exempt: IntArray | None) -> np.ndarray:
    ok: np.ndarray = np.ones(x.shape[0], dtype=bool)
    if red:
        crossed = np.asarray(np.any(model.violations(x), axis=1))  # (N, I)
        if exempt is not None:
            crossed &= x != exempt[None, :]
        ok &= ~crossed.any(axis=1)
    if ir:
        ok &= (u >= model.reservation - 1e-12).all(axis=1)
    return ok


def _by_enumeration(model: CompiledModel, base_u: FloatArray, red: bool, ir: bool,
                    exempt: IntArray | None) -> GainResult:
    best_t = -np.inf
    for _, x in chunks(model):
        u = model.utilities(x)
        ok = _feasible(model, x, u, red, ir, exempt)
        if ok.any():
            best_t = max(best_t, float((u[ok] - base_u).min(axis=1).max()))
    if not np.isfinite(best_t):
        return GainResult(None, None, None, None, "enumeration", True, 0.0)
    best: tuple[float, IntArray, FloatArray] | None = None
    for _, x in chunks(model):
        u = model.utilities(x)
        ok = _feasible(model, x, u, red, ir, exempt)
        ok &= (u - base_u).min(axis=1) >= best_t - 1e-12
        if ok.any():
            sums = u[ok].sum(axis=1)
            k = int(np.argmax(sums))
            if best is None or sums[k] > best[0] + 1e-12:
                best = (float(sums[k]), x[ok][k], u[ok][k])
    assert best is not None
    _, pkg, u_best = best
    gains = u_best - base_u
    return GainResult(pkg, u_best, gains, float(gains.min()), "enumeration", True, 0.0)


def _by_milp(model: CompiledModel, base_u: FloatArray, red: bool, ir: bool,
             time_limit: float | None, exempt: IntArray | None) -> GainResult:
    t_col_prog = PackageProgram(model, respect_red_lines=red, exempt=exempt)
    t = t_col_prog.add_aux()
    rows = t_col_prog.utility_rows()
    n = t_col_prog.n_bin + 1
    # u_p(x) - t >= base_p
    coef = np.zeros((model.n_parties, n))
    coef[:, : t_col_prog.n_bin] = rows
    coef[:, t] = -1.0
    t_col_prog.add_rows(coef, base_u, np.inf)
    if ir:
        t_col_prog.add_rows(rows, model.reservation, np.inf)
    obj = np.zeros(n)
    obj[t] = 1.0
    first = t_col_prog.solve(obj, time_limit=time_limit)
    if first.status == "infeasible":
        return GainResult(None, None, None, None, "milp", True, 0.0)
    if first.objective is None:
        return GainResult(None, None, None, None, "milp", False, float("inf"))
    t_star = first.objective
    second = PackageProgram(model, respect_red_lines=red, exempt=exempt)
    second.add_rows(rows, base_u + t_star - EPS / 10, np.inf)
    if ir:
        second.add_rows(rows, model.reservation, np.inf)
    res = second.solve(rows.sum(axis=0), time_limit=time_limit)
    pkg = res.package if res.package is not None else first.package
    assert pkg is not None
    u = model.utilities(pkg)
    gains = u - base_u
    optimal = first.status == "optimal" and res.status == "optimal"
    return GainResult(pkg, u, gains, float(gains.min()), "milp", optimal, max(first.gap, res.gap))


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
