"""The package most likely to be accepted by all: sample-average approximation as a MILP.

Sample-average approximation (Kleywegt, Shapiro and Homem-de-Mello 2002): replace P(all accept)
by the share of N sampled preference sets under which every party accepts, and maximise that
exactly as a mixed-integer program (one binary per (issue, option) as in `accord.solve.milp`,
one binary z_s per sample, big-M acceptance rows u_ps(x) >= r_ps - M_ps (1 - z_s) with M_ps the
tightest constant over the allowed options; the chance-constrained form of Luedtke and Ahmed
2008). Red lines are hard, since crossing one makes acceptance impossible.

M independent replications give M candidates; each is then scored on a large independent
sample (the Monte Carlo engine, common random numbers across candidates) for an unbiased
estimate of its P(all accept), a statistical lower bound. The mean of the replications' proven
MILP bounds estimates an upper bound on the true optimum (E[max of the SAA] >= max of the
expectation). The gap between the two says how far from optimal the answer can be.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack
from scipy.stats import t as student_t

from accord.model import CompiledModel, Scenario, compile_scenario
from accord.model.compiled import FloatArray, IntArray
from accord.solve.base import explain_infeasible, make_problem
from accord.solve.milp import PackageProgram
from accord.uncertainty.distributed import Executor
from accord.uncertainty.montecarlo import BLOCK, MonteCarloResult, _Stream, wilson
from accord.uncertainty.run import Progress, monte_carlo
from accord.uncertainty.spec import (
    PartyDraws,
    UncertaintySpec,
    compile_uncertainty,
    fixed_reservation,
)

SAA_STREAM = 1
"""Seed-sequence stream of the SAA samples; replication m is block m of it."""


def sample_tables(spec: UncertaintySpec, n: int, seed: int, *, stream: int = SAA_STREAM,
                  block: int = 0) -> tuple[FloatArray, FloatArray]:
    """(n, P, I, O) utility tables and (n, P) walk-aways of one block's samples.

    The same draws and formula (`PartyDraws`) the Monte Carlo engine uses for this (stream,
    block): a package's utility under sample s is the sum of its entries in tables[s, p].
    """
    if not 0 < n <= BLOCK:
        raise ValueError(f"n must be in 1..{BLOCK}")
    m = spec.model
    tables = np.empty((n, *m.values.shape))
    r = np.broadcast_to(fixed_reservation(spec), (n, m.n_parties)).copy()
    for p in range(m.n_parties):
        d = PartyDraws(spec, p, _Stream(seed, stream, block, p, n), n)
        tables[:, p] = d.table()
        if d.reservation is not None:
            r[:, p] = d.reservation
    return tables, r


@dataclass
class Replication:
    samples: int
    status: str
    objective: float | None  # share of the SAA samples in which all accept
    bound: float  # proven upper bound on that share (dual bound)
    package: IntArray | None
    seconds: float


@dataclass
class RobustPlan:
    scenario: str
    seed: int
    replications: list[Replication]
    evaluation: MonteCarloResult
    best: str
    nash: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def upper_bound(self) -> tuple[float, float]:
        """Mean of the replications' bounds and its one-sided 95% upper confidence limit."""
        b = np.array([r.bound for r in self.replications])
        if len(b) < 2:
            return float(b.mean()), float("nan")
        half = student_t.ppf(0.95, len(b) - 1) * b.std(ddof=1) / math.sqrt(len(b))
        return float(b.mean()), float(min(1.0, b.mean() + half))

    def to_dict(self) -> dict[str, Any]:
        ev = self.evaluation
        best = ev.outcome(self.best)
        ub, ub_hi = self.upper_bound
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "seed": self.seed,
            "samples": ev.samples,
            "partial": ev.partial,
            "method": "sample-average approximation (Kleywegt, Shapiro, Homem-de-Mello 2002), "
                      "MILP per replication (HiGHS)",
            "best": {"label": self.best, **_summary(best)},
            "all_accept": best.p_all,
            "upper_bound": {"mean": ub, "ucl95": None if math.isnan(ub_hi) else ub_hi},
            "gap": ub - best.p_all,
            "replications": [{"samples": r.samples, "status": r.status,
                              "objective": r.objective, "bound": r.bound,
                              "seconds": round(r.seconds, 3)} for r in self.replications],
            "candidates": [{"label": o.label, **_summary(o)} for o in ev.packages],
            "notes": self.notes,
        }
        if self.nash is not None:
            nash = ev.outcome(self.nash)
            out["nash"] = {"label": self.nash, **_summary(nash)}
            out["trade_off"] = {
                "all_accept_gain": best.p_all - nash.p_all,
                "stated_utility_change": {p: best.stated_utility[p] - nash.stated_utility[p]
                                          for p in best.stated_utility},
                "issues_changed": {i: {"nash": nash.choices[i], "robust": best.choices[i]}
                                   for i in best.choices if best.choices[i] != nash.choices[i]},
            }
        return out


def _summary(o: Any) -> dict[str, Any]:
    return {"choices": o.choices, "all_accept": o.p_all,
            "all_accept_ci95": list(wilson(o.all_accept, o.samples)),
            "accept": {p: o.p_accept(p) for p in o.accept},
            "stated_utility": {p: round(u, 6) for p, u in o.stated_utility.items()},
            "stated_all_accept": all(o.stated_accepts.values())}


def red_line_clash(m: CompiledModel) -> str | None:
    """Where the scored parties' red lines leave an issue without any allowed option (the
    solver's own explanation), or None."""
    problem = make_problem(m, individual_rationality=False)
    if all(len(opts) for opts in problem.allowed):
        return None
    return explain_infeasible(problem, lambda parties: None)


def saa_milp(spec: UncertaintySpec, tables: FloatArray, r: FloatArray, *,
             time_limit: float | None = None, weights: FloatArray | None = None) -> Replication:
    """max (1/N) sum_s z_s subject to every party accepting under sample s when z_s = 1.

    `weights` (N,): importance weights of the samples (a posterior, `accord.calibrate`); the
    objective is then sum_s w_s z_s / sum_s w_s.

    Columns: the package binaries of `PackageProgram` (same layout, same red-line bounds, same
    decoding), then one binary z_s per sample. PackageProgram's auxiliaries are continuous, and
    z must be integral, so the program is passed to HiGHS here.
    """
    t0 = time.perf_counter()
    m = spec.model
    n = tables.shape[0]
    keep = ~m.padding
    prog = PackageProgram(m)
    n_bin = prog.n_bin
    allowed = prog.upper_mask()  # (I, O): what the program's bounds leave
    issue_of = np.repeat(np.arange(m.n_issues), m.n_options)
    rows = [csr_matrix((np.ones(n_bin), (issue_of, np.arange(n_bin))),
                       shape=(m.n_issues, n_bin + n))]
    lbs, ubs = [np.ones(m.n_issues)], [np.ones(m.n_issues)]
    for link, lo, hi in zip(prog.rows, prog.lbs, prog.ubs, strict=True):  # constraints, unless
        rows.append(csr_matrix(hstack([link, csr_matrix((link.shape[0], n))])))
        lbs.append(lo)
        ubs.append(hi)
    z_upper = np.ones(n)
    fixed_r = fixed_reservation(spec)
    for p in range(m.n_parties):
        if not spec.is_random(p):
            # A party without uncertainty must accept outright.
            coef = m.flat_table[p]
            rows.append(csr_matrix(np.concatenate([coef, np.zeros(n)])[None]))
            lbs.append(np.array([fixed_r[p] - 1e-9]))
            ubs.append(np.array([np.inf]))
            continue
        table = tables[:, p]  # (n, I, O)
        lo = np.where(allowed[None], table, np.inf).min(axis=2)
        hi = np.where(allowed[None], table, -np.inf).max(axis=2)
        lo = np.where(np.isfinite(lo), lo, 0.0).sum(axis=1)
        hi = np.where(np.isfinite(hi), hi, 0.0).sum(axis=1)
        big = r[:, p] - lo
        z_upper[r[:, p] > hi + 1e-12] = 0.0
        need = np.flatnonzero(big > 0)
        if need.size == 0:
            continue
        coef = table[need][:, keep]  # (k, n_bin)
        k = need.size
        z_part = coo_matrix((-big[need], (np.arange(k), need)), shape=(k, n))
        rows.append(csr_matrix(np.hstack([coef, z_part.toarray()])))
        lbs.append(r[need, p] - big[need] - 1e-9)
        ubs.append(np.full(k, np.inf))
    share = np.ones(n) / n if weights is None else np.asarray(weights) / float(np.sum(weights))
    c = np.concatenate([np.zeros(n_bin), -share])
    options: dict[str, Any] = {"disp": False, "mip_rel_gap": 1e-6}
    if time_limit is not None:
        options["time_limit"] = time_limit
    res = milp(c, integrality=np.ones(n_bin + n),
               bounds=Bounds(np.zeros(n_bin + n), np.concatenate([prog.upper, z_upper])),
               constraints=LinearConstraint(vstack(rows).tocsr(), np.concatenate(lbs),
                                            np.concatenate(ubs)),
               options=options)
    secs = time.perf_counter() - t0
    if res.x is None:
        status = "infeasible" if res.status == 2 else "no solution in time"
        return Replication(n, status, None, 0.0 if res.status == 2 else 1.0, None, secs)
    package = prog.decode(np.asarray(res.x))
    obj = float(-res.fun)
    bound = getattr(res, "mip_dual_bound", None)
    bound_v = float(-bound) if bound is not None and np.isfinite(bound) else obj
    status = "optimal" if res.status == 0 else "time limit"
    return Replication(n, status, obj, max(bound_v, obj), package, secs)


def robust_plan(scenario: Scenario, *, samples: int = 100_000, seed: int = 0,
                saa_samples: int = 200, replications: int = 3, time_limit: float | None = 30.0,
                model: CompiledModel | None = None, parties: list[str] | None = None,
                include_plans: bool = True,
                include_nash: bool = True, executor: Executor | None = None,
                progress: Progress | None = None,
                saa_weights: Callable[[int], FloatArray] | None = None,
                phase: Callable[[str], None] | None = None) -> RobustPlan:
    """SAA replications, then every candidate (and the Nash package, and the scenario's plans)
    scored on `samples` fresh draws; the best by estimated P(all accept).

    `saa_weights(replication)`: importance weights of that replication's SAA samples (block
    `replication` of SAA_STREAM), to optimise under a posterior (`accord.calibrate`).
    `phase(text)` is told what runs now (each optimisation, then the scoring), for an honest
    progress bar.
    """
    model = model if model is not None else compile_scenario(scenario)
    if parties is not None:
        model = model.restrict(parties)
    spec = compile_uncertainty(scenario, model)
    notes: list[str] = []
    clash = red_line_clash(model)
    if clash:
        notes.append(f"{clash}; P(all accept) is 0 for "
                     "every package (choose parties to drop, or revisit a red line)")
    reps: list[Replication] = []
    labels: list[str] = []
    cands: list[IntArray] = []

    def add(label: str, pkg: IntArray) -> str:
        for lab, c in zip(labels, cands, strict=True):
            if np.array_equal(c, pkg):
                return lab
        labels.append(label)
        cands.append(np.asarray(pkg, dtype=np.int64))
        return label

    for rep in range(replications):
        if phase is not None:
            limit = f", at most {time_limit:g} s" if time_limit else ""
            phase(f"optimising: SAA replication {rep + 1} of {replications} "
                  f"({saa_samples} samples{limit})")
        tables, r = sample_tables(spec, saa_samples, seed, block=rep)
        res = saa_milp(spec, tables, r, time_limit=time_limit,
                       weights=None if saa_weights is None else saa_weights(rep))
        reps.append(res)
        if res.package is not None:
            add(f"saa-{rep + 1}", res.package)
        elif res.status == "infeasible" and not clash:
            notes.append(f"replication {rep + 1}: no package keeps every red line and "
                         "satisfies the parties without uncertainty")
    nash_label: str | None = None
    if include_nash:
        if phase is not None:
            phase("optimising: the Nash package")
        try:
            from accord.solve import solve

            sol = solve(model, method="nash", time_limit=time_limit)
            if sol.packages:
                nash_label = add("nash", np.asarray(sol.packages[0].package))
        except Exception as exc:  # the Nash package is context, not the answer
            notes.append(f"no Nash package: {exc}")
    if include_plans:
        for plan in scenario.plans:
            if plan.open:  # a bracketed text is not one package
                notes.append(f"plan {plan.id} leaves {', '.join(plan.open)} open: not scored")
                continue
            add(plan.id, model.encode(dict(plan.choices)))
    if not cands:
        why = clash or "no SAA replication found a package and there is no Nash package"
        raise ValueError(f"no candidate package to score: {why}; and no plan is given")
    if phase is not None:
        phase(f"scoring {len(cands)} candidates on {samples:,} samples")
    ev = monte_carlo(spec, np.stack(cands), samples, seed, labels=labels, executor=executor,
                     progress=progress)
    best = max(ev.packages, key=lambda o: (o.p_all, o.label.startswith("saa"))).label
    if any(r.status == "time limit" for r in reps):
        notes.append("some replications stopped at the time limit; their bound is HiGHS's "
                     "proven dual bound")
    return RobustPlan(model.scenario_id, seed, reps, ev, best, nash_label, notes)
