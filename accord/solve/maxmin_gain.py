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
from accord.solve.enumerate import ENUMERATION_LIMIT, chunks
from accord.solve.milp import PackageProgram

EPS = 1e-6
"""Utilities closer than this are equal: MILP feasibility tolerances are about 1e-7."""


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
) -> GainResult:
    """The lexicographic max-min gain package over `baseline` for all scored parties."""
    base_u = model.utilities(np.asarray(baseline))
    if engine == "auto":
        engine = "enumeration" if model.size <= ENUMERATION_LIMIT else "milp"
    if engine == "enumeration":
        return _by_enumeration(model, base_u, respect_red_lines, individual_rationality)
    if engine == "milp":
        return _by_milp(model, base_u, respect_red_lines, individual_rationality, time_limit)
    raise ValueError(f"unknown engine {engine!r}; use auto, enumeration or milp")


def _feasible(model: CompiledModel, x: IntArray, u: FloatArray, red: bool, ir: bool) -> np.ndarray:
    ok = np.ones(x.shape[0], dtype=bool)
    if red:
        ok &= model.within_red_lines(x).all(axis=1)
    if ir:
        ok &= (u >= model.reservation - 1e-12).all(axis=1)
    return ok


def _by_enumeration(model: CompiledModel, base_u: FloatArray, red: bool, ir: bool) -> GainResult:
    best_t = -np.inf
    for _, x in chunks(model):
        u = model.utilities(x)
        ok = _feasible(model, x, u, red, ir)
        if ok.any():
            best_t = max(best_t, float((u[ok] - base_u).min(axis=1).max()))
    if not np.isfinite(best_t):
        return GainResult(None, None, None, None, "enumeration", True, 0.0)
    best: tuple[float, IntArray, FloatArray] | None = None
    for _, x in chunks(model):
        u = model.utilities(x)
        ok = _feasible(model, x, u, red, ir) & ((u - base_u).min(axis=1) >= best_t - 1e-12)
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
             time_limit: float | None) -> GainResult:
    t_col_prog = PackageProgram(model, respect_red_lines=red)
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
    second = PackageProgram(model, respect_red_lines=red)
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
