"""Mixed-integer programs over packages: one binary per (issue, option), solved by HiGHS.

The exact engine where enumeration is impossible (28 issues of 5 options is 7.5 x 10^19
packages). Columns follow the compiled model's flat layout, then any continuous auxiliaries
(for example the max-min level t). Utilities are linear in the binaries, so utilitarian,
egalitarian and max-min-gain objectives are plain MILPs; non-linear objectives (Nash) add cuts.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
from scipy.sparse import csr_matrix, hstack, vstack

from accord.model.compiled import CompiledModel, FloatArray, IntArray
from accord.solve.base import Problem
from accord.solve.lagrange import lex_maxmin as bound_and_enumerate


def _silence_banner() -> None:
    """HiGHS prints a banner on stdout at the first `Highs()` of a process, which would spoil
    JSON output: create that first instance with file descriptor 1 pointed at /dev/null."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        highspy.Highs()
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(null)
        os.close(saved)


_silence_banner()

FEAS_TOL = 1e-9
_LIMITS = (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit,
           highspy.HighsModelStatus.kSolutionLimit, highspy.HighsModelStatus.kInterrupt)


@dataclass
class MILPResult:
    status: str  # "optimal" | "infeasible" | "time_limit" | "error"
    x: FloatArray | None
    objective: float | None
    gap: float
    package: IntArray | None
    bound: float | None = None
    """The solver's proven bound on the objective (an upper bound when maximising)."""


def highs_lp(c: np.ndarray, a: Any, col_lower: np.ndarray, col_upper: np.ndarray,
             row_lower: np.ndarray, row_upper: np.ndarray, *,
             maximize: bool = False) -> highspy.HighsLp:
    """A HiGHS program from a row-wise sparse matrix `a` (scipy CSR): the one place the
    solver's column, row and matrix fields are filled (MILPs here, the calibration LP)."""
    a = csr_matrix(a)
    lp = highspy.HighsLp()
    lp.num_col_ = a.shape[1]
    lp.num_row_ = a.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = a.shape[1]
    lp.a_matrix_.num_row_ = a.shape[0]
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    return lp


@dataclass
class PackageProgram:
    """A MILP whose first columns pick one option per issue; add rows, then `solve`."""

    model: CompiledModel
    respect_red_lines: bool = True
    exempt: IntArray | None = None
    """A package whose crossed red lines stay exempt (see `Problem.exempt`)."""
    problem: Problem | None = None
    """The feasible set; by default the model's, under `respect_red_lines` and `exempt`."""
    n_aux: int = 0
    aux_bounds: list[tuple[float, float]] = field(default_factory=list)
    rows: list[csr_matrix] = field(default_factory=list)
    lbs: list[FloatArray] = field(default_factory=list)
    ubs: list[FloatArray] = field(default_factory=list)

    def __post_init__(self) -> None:
        m = self.model
        self.n_bin = int(m.offsets[-1])
        issue_of = np.repeat(np.arange(m.n_issues), m.n_options)
        onehot = csr_matrix(
            (np.ones(self.n_bin), (issue_of, np.arange(self.n_bin))),
            shape=(m.n_issues, self.n_bin),
        )
        self._onehot = onehot
        prob = self.problem
        if prob is None:
            prob = Problem(m, self.respect_red_lines, False, np.zeros(m.n_parties),
                           np.full(m.n_parties, -np.inf), self.exempt)
            self.problem = prob
        self.upper = np.zeros(self.n_bin)
        for i, opts in enumerate(prob.allowed):
            self.upper[m.offsets[i] + opts] = 1.0
        coef, ub = linking_rows(prob)
        if coef.shape[0]:
            self.add_rows(coef, -np.inf, ub)

    def upper_mask(self) -> np.ndarray:
        """(I, O) options the bounds leave (False on padding)."""
        out = np.zeros(self.model.padding.shape, dtype=bool)
        out[~self.model.padding] = self.upper > 0
        return out

    def add_aux(self, low: float = -np.inf, high: float = np.inf) -> int:
        """A continuous auxiliary variable; returns its column index."""
        self.aux_bounds.append((low, high))
        self.n_aux += 1
        return self.n_bin + self.n_aux - 1

    def utility_rows(self, parties: list[int] | None = None) -> FloatArray:
        """(k, n_bin) coefficient rows of the parties' utilities."""
        t = self.model.flat_table
        return t if parties is None else t[parties]

    def add_rows(self, coef: FloatArray, lb: FloatArray | float, ub: FloatArray | float) -> None:
        """lb <= coef @ [binaries, aux] <= ub; coef may omit trailing aux columns."""
        coef = np.atleast_2d(np.asarray(coef, dtype=float))
        self.rows.append(csr_matrix(coef))
        k = coef.shape[0]
        self.lbs.append(np.broadcast_to(np.asarray(lb, dtype=float), (k,)).copy())
        self.ubs.append(np.broadcast_to(np.asarray(ub, dtype=float), (k,)).copy())

    def solve(self, objective: FloatArray, *, maximize: bool = True,
              time_limit: float | None = None, mip_rel_gap: float = 0.0,
              start: FloatArray | None = None,
              mip_abs_gap: float | None = None) -> MILPResult:
        """`start`: a feasible point (binaries then aux), given to HiGHS as its first
        incumbent so that branch and bound prunes from the start. `mip_abs_gap`: HiGHS's
        absolute gap (its default, 1e-6, when None)."""
        n = self.n_bin + self.n_aux
        c = np.zeros(n)
        c[: objective.shape[0]] = objective
        mats = [hstack([self._onehot, csr_matrix((self._onehot.shape[0], self.n_aux))])]
        lbs, ubs = [np.ones(self.model.n_issues)], [np.ones(self.model.n_issues)]
        for r, lo, hi in zip(self.rows, self.lbs, self.ubs, strict=True):
            if r.shape[1] < n:
                r = hstack([r, csr_matrix((r.shape[0], n - r.shape[1]))])
            mats.append(r)
            lbs.append(lo)
            ubs.append(hi)
        a = vstack(mats).tocsr()
        lower = np.concatenate([np.zeros(self.n_bin), [b[0] for b in self.aux_bounds]])
        upper = np.concatenate([self.upper, [b[1] for b in self.aux_bounds]])
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", mip_rel_gap)
        if mip_abs_gap is not None:
            h.setOptionValue("mip_abs_gap", mip_abs_gap)
        h.setOptionValue("threads", 1)
        if n <= SMALL_PROGRAM:
            for key, value in SMALL_OPTIONS.items():
                h.setOptionValue(key, value)
        # Utilities are sums of weights in [0, 1]: tighter than the default 1e-6, so rows such
        # as u_p >= reservation_p are not met only "within tolerance".
        h.setOptionValue("mip_feasibility_tolerance", FEAS_TOL)
        h.setOptionValue("primal_feasibility_tolerance", FEAS_TOL)
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        lp = highs_lp(c, a, lower, upper, np.concatenate(lbs), np.concatenate(ubs),
                      maximize=maximize)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * self.n_bin + \
            [highspy.HighsVarType.kContinuous] * self.n_aux
        h.passModel(lp)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = [float(v) for v in start]
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        st = h.getModelStatus()
        if st == highspy.HighsModelStatus.kInfeasible:
            # HiGHS presolve can declare a tight-tolerance program infeasible when a package
            # meets it with slack 1e-7 (seen with linking rows); confirm without presolve.
            h.setOptionValue("presolve", "off")
            h.passModel(lp)
            h.run()
            st = h.getModelStatus()
        info = h.getInfo()
        has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if st == highspy.HighsModelStatus.kInfeasible:
            return MILPResult("infeasible", None, None, float("inf"), None)
        optimal = st == highspy.HighsModelStatus.kOptimal
        if not has_x:
            status = "time_limit" if st in _LIMITS else "error"
            return MILPResult(status, None, None, float("inf"), None)
        x = np.asarray(h.getSolution().col_value, dtype=np.float64)
        package = self.decode(x)
        obj = float(info.objective_function_value)
        gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else float("inf")
        bound = float(info.mip_dual_bound)
        return MILPResult("optimal" if optimal else "time_limit", x, obj,
                          0.0 if optimal and gap < 1e-9 else gap, package, bound)

    def decode(self, x: FloatArray) -> IntArray:
        m = self.model
        out = np.empty(m.n_issues, dtype=np.int64)
        for i in range(m.n_issues):
            seg = x[m.offsets[i]: m.offsets[i + 1]]
            out[i] = int(np.argmax(seg))
        return out


def linking_rows(problem: Problem) -> tuple[FloatArray, FloatArray]:
    """Constraints and conditional red lines as linear rows `coef @ x <= ub` over the binaries.

    A combination over k issues: the sum of its listed options' binaries is at most k - 1 (on
    each issue at most one listed option can be chosen, so the sum counts the issues it
    matches). A red line lifted by `unless`: for each condition issue t, the binaries of the
    forbidden options sum to at most those of t's lifting options.
    """
    m = problem.model
    flat = ~m.padding
    rows: list[FloatArray] = []
    ubs: list[float] = []
    cons = m.constraints
    assert cons is not None
    for c in np.flatnonzero(problem.linking):
        sel = cons.options[c] & cons.issues[c][:, None]
        rows.append(sel[flat].astype(float))
        ubs.append(float(cons.issues[c].sum() - 1))
    lines = problem.conditional_lines
    for r in range(len(lines)):
        lhs = np.zeros_like(m.padding, dtype=float)
        lhs[lines.issue[r]] = lines.forbid[r]
        for t in np.flatnonzero(lines.unless_issues[r]):
            row = lhs.copy()
            row[t] -= lines.unless[r, t]
            rows.append(row[flat])
            ubs.append(0.0)
    n = int(flat.sum())
    return (np.array(rows, dtype=float).reshape(len(rows), n), np.array(ubs, dtype=float))


# --- building blocks shared by the solution concepts ---------------------------------------------

SMALL_PROGRAM = 400
"""Programs with at most this many columns are solved with `SMALL_OPTIONS`."""

SMALL_OPTIONS: dict[str, bool | int | str] = {
    "presolve": "off",
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_pscost_minreliable": 0,
}
"""HiGHS settings for small programs, where a few dozen nodes prove the optimum: presolve,
the RINS/RENS sub-MIPs and reliability strong branching each cost more than they save there
(measured on the bundled case's 87-column max-min-gain programs: together 35% of the CPU
time; `benchmarks/score_cpu.py`). They change the search, never the proven optimum. Since
issue 17 those programs are answered by `accord.solve.lagrange` first; these settings serve
the programs it leaves to HiGHS. Also tried there, without a gain that held across the six
programs and random models: symmetry detection off, heuristic effort 0 to 0.2, LP and pool
age limits, pool size, cut separation at nodes off, other simplex strategies; feasibility jump
off saved about 2 ms on one-node solves but lengthened the hardest search by as much as
20 ms; dropping options dominated for every party changed the search, not its size."""

LEX_TOL = 1e-7
"""Second stage of a lexicographic solve keeps the first objective within this of its optimum.
Both stages close the gap to `FEAS_TOL`, not HiGHS's default 1e-6: a first stage stopped
6e-7 short of t* let the second pick a package of a smaller t and a larger sum (issue 17)."""


@dataclass
class Outcome:
    """One MILP answer: package (or None), objective values, and whether it is proven."""

    package: IntArray | None
    primary: float | None
    status: str
    gap: float


def base_program(problem: Problem, no_goods: list[IntArray] | None = None) -> PackageProgram:
    """Binaries within the red lines, floors on utilities, and no-good cuts for top-K."""
    prog = PackageProgram(problem.model, respect_red_lines=problem.respect_red_lines,
                          exempt=problem.exempt, problem=problem)
    rows = prog.utility_rows()
    fin = np.isfinite(problem.floor)
    if fin.any():
        prog.add_rows(rows[fin], problem.floor[fin], np.inf)
    for x in no_goods or []:
        prog.add_rows(no_good_row(problem.model, x), -np.inf, problem.model.n_issues - 1)
    return prog


def no_good_row(model: CompiledModel, package: IntArray) -> FloatArray:
    """Coefficients that sum the binaries of `package`: <= I - 1 excludes exactly it."""
    row = np.zeros(int(model.offsets[-1]))
    row[model.offsets[:-1] + np.asarray(package, dtype=np.int64)] = 1.0
    return row


def maximize_linear(problem: Problem, weights: FloatArray, *,
                    no_goods: list[IntArray] | None = None,
                    time_limit: float | None = None) -> Outcome:
    """max sum_p weights_p u_p over the feasible set."""
    prog = base_program(problem, no_goods)
    obj = weights @ prog.utility_rows()
    res = prog.solve(obj, time_limit=time_limit)
    return Outcome(res.package, res.objective, res.status, res.gap)


def lex_maxmin(problem: Problem, scale: FloatArray, shift: FloatArray, *,
               no_goods: list[IntArray] | None = None, time_limit: float | None = None,
               active: np.ndarray | None = None) -> Outcome:
    """max t s.t. u_p >= shift_p + scale_p t (active parties), then max sum_p u_p at that t.

    Egalitarian (scale 1, shift 0), max-min gain (shift = baseline) and Kalai-Smorodinsky
    (scale = ideal - d, shift = d) are all this program. The exact Lagrangian bound and
    enumeration of `accord.solve.lagrange` answers it first (one LP and a few small
    enumerations: 3.9 ms instead of 49 ms of branch and bound per plan, median CPU, on the
    bundled case's 87-column programs; issue 17); HiGHS solves both stages when that
    enumeration would be large, or finds nothing feasible.
    """
    m = problem.model
    act = np.ones(m.n_parties, dtype=bool) if active is None else active
    fast = bound_and_enumerate(problem, scale, shift, act, no_goods, LEX_TOL)
    if fast is not None:
        return Outcome(fast[0], fast[1], "optimal", 0.0)
    prog = base_program(problem, no_goods)
    t = prog.add_aux(-10.0, 10.0)
    rows = prog.utility_rows()
    coef = np.zeros((int(act.sum()), prog.n_bin + 1))
    coef[:, : prog.n_bin] = rows[act]
    coef[:, t] = -scale[act]
    if coef.shape[0]:
        prog.add_rows(coef, shift[act], np.inf)
    obj = np.zeros(prog.n_bin + 1)
    if coef.shape[0]:
        obj[t] = 1.0
    first = prog.solve(obj, time_limit=time_limit, mip_abs_gap=FEAS_TOL)
    if first.package is None or first.objective is None:
        return Outcome(None, None, first.status, first.gap)
    t_star = first.objective
    second = base_program(problem, no_goods)
    if coef.shape[0]:
        second.add_rows(rows[act] - 0.0, shift[act] + scale[act] * t_star - LEX_TOL, np.inf)
    # The first stage's optimum is feasible here: start from it.
    res = second.solve(rows.sum(axis=0), time_limit=time_limit, start=first.x[: second.n_bin]
                       if first.x is not None and second.n_aux == 0 else None,
                       mip_abs_gap=FEAS_TOL)
    pkg = res.package if res.package is not None else first.package
    status = "optimal" if first.status == "optimal" and res.status == "optimal" else \
        (first.status if first.status != "optimal" else res.status)
    return Outcome(pkg, t_star, status, max(first.gap, res.gap if res.package is not None
                                            else 0.0))
