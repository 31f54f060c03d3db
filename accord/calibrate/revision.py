"""The smallest change to each party's weights and walk-away that explains every reaction.

Least absolute deviations as a linear program (Charnes, Cooper and Ferguson 1955; the L1
norm is linear once each change is split into a positive and a negative part), one LP per party,
solved by HiGHS (Huangfu and Hall 2018). When it has no solution, an irreducible infeasible
subset of the observations is found by the deletion filter (Chinneck and Dravnieks 1991).

Steps, for party p with stated normalised weights w0 (support S, the issues it weights) and
walk-away r0:
1. Take its counted stance observations with confidence >= MIN_CONFIDENCE. An accepted plan
   that crosses a stated red line of probability 1 cannot be reproduced by any weights: that
   red line is contradicted (an irreducible conflict of one observation). An accepted plan
   whose crossed red lines all have probability < 1 is evidence that they are not real: the
   evidence lowers their probability (the posterior says by how much), and the acceptance
   enters the LP as if they were not real. A rejected plan that crosses a red line is
   reproduced whatever the weights.
2. Variables w_i (i in S), r, and d+_i, d-_i, e+, e- >= 0 with w_i - w0_i = d+_i - d-_i and
   r - r0 = e+ - e-. Minimise sum(d+ + d-) + e+ + e-.
3. Rows: sum w = 1 (weights off S stay 0); for an acceptance sum_i w_i v_i(x_i) - r >= 0; for a
   rejection with no red line crossed sum_i w_i v_i(x_i) - r <= -EPSILON. r stays in the
   party's walk-away interval if it has one, else in [0, 1]. Values stay fixed.
4. Infeasible: drop observations one at a time, keeping each drop that leaves the rest
   infeasible; what remains is irreducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from accord.calibrate.observations import EPSILON, Observation
from accord.model import CompiledModel, Scenario
from accord.model.compiled import FloatArray
from accord.solve.milp import FEAS_TOL, highs_lp  # importing it also silences HiGHS' banner
from accord.uncertainty.spec import UncertaintySpec, fixed_reservation

MIN_CONFIDENCE = 0.7
REPORT_TOL = 5e-5


@dataclass
class Change:
    field: str
    before: float
    after: float

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "from": round(self.before, 6), "to": round(self.after, 6)}


@dataclass
class Revision:
    """One party's smallest revision, or the observations that cannot all hold."""

    party: str
    feasible: bool
    observations: list[str]
    weights: dict[str, float] = field(default_factory=dict)
    reservation: float | None = None
    changes: list[Change] = field(default_factory=list)
    distance: float = 0.0
    conflict: list[str] = field(default_factory=list)
    contradicted_red_lines: list[str] = field(default_factory=list)
    """Issues of the probability-1 red lines an accepted plan crosses."""
    lowered_red_lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Red-line id -> probability and the accepted plans crossing it (probability < 1)."""
    note: str = ""

    def lowered_words(self) -> str:
        """E.g. 'accepted plan p2 crosses red line a:x:0 (probability 0.60): the evidence
        lowers that probability'."""
        return "; ".join(
            f"accepted plan{'s' if len(d['plans']) > 1 else ''} {', '.join(d['plans'])} "
            f"cross{'' if len(d['plans']) > 1 else 'es'} red line {rid} (probability "
            f"{d['probability']:.2f}): the evidence lowers that probability"
            for rid, d in self.lowered_red_lines.items())

    def words(self) -> str:
        """The change in words, e.g. 'ru: weight on nato 0.10 -> 0.16; walk-away 0.55 -> 0.51'."""
        lowered = self.lowered_words()
        if not self.feasible:
            return f"{self.party}: no revision of weights and walk-away fits; conflict: " + \
                ", ".join(self.conflict) + (f" ({self.note})" if self.note else "") + \
                (f"; {lowered}" if lowered else "")
        if not self.changes:
            return f"{self.party}: no change needed" + (f"; {lowered}" if lowered else "")
        parts = []
        for c in self.changes:
            name = ("walk-away" if c.field == "reservation"
                    else f"weight on {c.field.split('.', 1)[1]}")
            parts.append(f"{name} {c.before:.3f} -> {c.after:.3f}")
        return f"{self.party}: " + "; ".join(parts) + (f"; {lowered}" if lowered else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"feasible": self.feasible,
                               "changes": [c.to_dict() for c in self.changes],
                               "distance": round(self.distance, 6) if self.feasible else None,
                               "conflict": self.conflict, "observations": self.observations,
                               "words": self.words()}
        if self.contradicted_red_lines:
            out["contradicted_red_lines"] = self.contradicted_red_lines
        if self.lowered_red_lines:
            out["lowered_red_lines"] = self.lowered_red_lines
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class _Row:
    statement: str
    coef: FloatArray  # over the support issues
    accepts: bool


def _lp(w0: FloatArray, r0: float, r_lo: float, r_hi: float,
        rows: Sequence[_Row]) -> tuple[FloatArray, float] | None:
    """Solve the L1 revision LP; (weights over the support, walk-away), or None if infeasible."""
    m = w0.shape[0]
    # Columns: w (m), r (1), d+ (m), d- (m), e+, e-.
    n = 3 * m + 3
    c = np.zeros(n)
    c[m + 1:] = 1.0
    a_rows: list[FloatArray] = []
    lo: list[float] = []
    hi: list[float] = []
    simplex = np.zeros(n)
    simplex[:m] = 1.0
    a_rows.append(simplex)
    lo.append(1.0)
    hi.append(1.0)
    for i in range(m):  # w_i - d+_i + d-_i = w0_i
        row = np.zeros(n)
        row[i], row[m + 1 + i], row[2 * m + 1 + i] = 1.0, -1.0, 1.0
        a_rows.append(row)
        lo.append(float(w0[i]))
        hi.append(float(w0[i]))
    row = np.zeros(n)  # r - e+ + e- = r0
    row[m], row[3 * m + 1], row[3 * m + 2] = 1.0, -1.0, 1.0
    a_rows.append(row)
    lo.append(r0)
    hi.append(r0)
    for obs in rows:
        row = np.zeros(n)
        row[:m] = obs.coef
        row[m] = -1.0
        a_rows.append(row)
        if obs.accepts:
            lo.append(0.0)
            hi.append(highspy.kHighsInf)
        else:
            lo.append(-highspy.kHighsInf)
            hi.append(-EPSILON)
    a = np.vstack(a_rows)
    col_lo = np.zeros(n)
    col_hi = np.full(n, highspy.kHighsInf)
    col_hi[:m] = 1.0
    col_lo[m], col_hi[m] = r_lo, r_hi
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("primal_feasibility_tolerance", FEAS_TOL)
    lp = highs_lp(c, a, col_lo, col_hi, np.asarray(lo), np.asarray(hi))
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    w = np.clip(x[:m], 0.0, 1.0)
    w = w / w.sum()
    r = float(np.clip(x[m], r_lo, r_hi))
    # The solver meets rows to within its tolerance; the model's verdict accepts only at
    # u >= r - 1e-12, so pull r down onto the lowest accepted utility when it is a hair above.
    accepted = [float(obs.coef @ w) for obs in rows if obs.accepts]
    if accepted and min(accepted) < r:
        r = max(r_lo, min(accepted))
    return w, r


def walkaway_interval(scenario: Scenario, spec: UncertaintySpec, p: int) -> tuple[float, float]:
    """The walk-away's uncertainty interval if it has one, else [0, 1]."""
    pid = spec.model.party_ids[p]
    u = scenario.preferences[pid].uncertainty
    if u is not None and u.reservation is not None:
        return float(spec.res_low[p]), float(spec.res_high[p])
    return 0.0, 1.0


def smallest_revision(scenario: Scenario, model: CompiledModel, spec: UncertaintySpec,
                      party: str, obs: Sequence[Observation]) -> Revision:
    """The L1-smallest change to one party's weights and walk-away reproducing its counted
    stance observations of confidence >= MIN_CONFIDENCE under the point model."""
    p = model.party_index(party)
    used = [o for o in obs if o.party == party and o.kind == "stance" and o.counted
            and o.confidence >= MIN_CONFIDENCE]
    support = np.flatnonzero(model.weights[p] > 0)
    w0 = model.weights[p, support]
    r0 = float(fixed_reservation(spec)[p])
    r_lo, r_hi = walkaway_interval(scenario, spec, p)
    rev = Revision(party, True, [o.statement for o in used])
    rows: list[_Row] = []
    rl = model.red_lines
    for o in used:
        x = model.encode(dict(scenario.plan(o.plan).choices))
        mine = [int(k) for k in np.flatnonzero(model.crossed(x[None])[0]) if rl.owner[k] == party]
        if mine and not o.says_accepts:
            continue  # a rejection across a red line holds whatever the weights
        certain = [k for k in mine if rl.probability[k] >= 1.0]
        if certain:
            rev.feasible = False
            rev.conflict.append(o.statement)
            rev.contradicted_red_lines.extend(
                c for c in dict.fromkeys(model.issue_ids[int(rl.issue[k])] for k in certain)
                if c not in rev.contradicted_red_lines)
            continue
        for k in mine:  # all of probability < 1: the acceptance says they may not be real
            entry = rev.lowered_red_lines.setdefault(
                rl.ids[k], {"probability": float(rl.probability[k]), "plans": []})
            if o.plan not in entry["plans"]:
                entry["plans"].append(o.plan)
        coef = model.values[p, support, x[support]]
        rows.append(_Row(o.statement, coef, o.says_accepts))
    if not rev.feasible:
        rev.note = ("an accepted plan crosses the stated red line on "
                    + ", ".join(rev.contradicted_red_lines) + " (probability 1): that red line "
                    "is contradicted")
        return rev
    sol = _lp(w0, r0, r_lo, r_hi, rows)
    if sol is None:
        rev.feasible = False
        rev.conflict = [r.statement for r in _irreducible(w0, r0, r_lo, r_hi, rows)]
        rev.note = "these observations cannot all hold under any weights and walk-away"
        return rev
    w, r = sol
    weights = np.zeros(model.n_issues)
    weights[support] = w
    rev.weights = {iid: float(weights[i]) for i, iid in enumerate(model.issue_ids)}
    rev.reservation = r
    rev.distance = float(np.abs(w - w0).sum() + abs(r - r0))
    for k, i in enumerate(support):
        if abs(w[k] - w0[k]) > REPORT_TOL:
            rev.changes.append(Change(f"weights.{model.issue_ids[i]}", float(w0[k]), float(w[k])))
    if abs(r - r0) > REPORT_TOL:
        rev.changes.append(Change("reservation", r0, r))
    return rev


def _irreducible(w0: FloatArray, r0: float, r_lo: float, r_hi: float,
                 rows: Sequence[_Row]) -> list[_Row]:
    """Deletion filter: a subset of `rows` that is infeasible, and feasible minus any one."""
    keep = list(rows)
    for row in list(rows):
        trial = [r for r in keep if r is not row]
        if _lp(w0, r0, r_lo, r_hi, trial) is None:
            keep = trial
    return keep


def revised_data(scenario: Scenario, revisions: dict[str, Revision]) -> dict[str, Any]:
    """The scenario as plain data with each feasible revision applied, labelled as revised."""
    from accord.io.loader import scenario_to_data

    data = scenario_to_data(scenario)
    applied = [r for r in revisions.values() if r.feasible and r.changes]
    for rev in applied:
        # Full precision: rounding could undo an acceptance that holds with no margin.
        data["preferences"][rev.party]["weights"] = dict(rev.weights)
        for party in data["parties"]:
            if party["id"] == rev.party and rev.reservation is not None:
                party["reservation"] = rev.reservation
    label = ("REVISED by `accord calibrate`: the smallest change to weights and walk-aways that "
             "reproduces every counted reaction of confidence >= 0.7. "
             + ("; ".join(r.words() for r in applied) if applied else "No change was needed")
             + ". These are fitted numbers, not new facts.")
    data["note"] = label + (" Original note: " + data["note"] if data.get("note") else "")
    data["scenario"] = f"{data['scenario']}-revised"
    data["title"] = f"{data['title']} (revised to fit the reactions)"
    return data
