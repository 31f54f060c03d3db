"""Which assumption each verdict hangs on: one-at-a-time, tornado, Sobol indices, break-even.

- One-at-a-time with common random numbers: P(party accepts) with one uncertain input held at
  its 5th, then 95th percentile and every other input drawn as usual; ranked by the swing, the
  tornado diagram of decision analysis (Howard 1988), here on probabilities, beside the classic
  one on the party's utility margin at stated numbers.
- Variance-based: first-order and total Sobol (2001) indices of each input for each party's
  acceptance, and of each party's groups of inputs for everyone accepting, with Saltelli's
  (2002; Saltelli et al. 2010) estimators as implemented by SALib (Herman and Usher 2017).
  Each input is the uniform behind one tabulated variate (`spec`), so inputs are independent,
  as the method requires; a Dirichlet weight enters through its Gamma.
- Break-even: the stated utility is linear in each single number (a value, the walk-away, or a
  weight with the others rescaled to keep the sum 1), so the change to one assumption that
  flips a verdict is found exactly, in closed form.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from accord.model import CompiledModel, Scenario, compile_scenario
from accord.model.compiled import IntArray
from accord.uncertainty.montecarlo import BLOCK, Levels, _Stream, party_utilities
from accord.uncertainty.spec import (
    LEVELS,
    Assumption,
    UncertaintySpec,
    compile_uncertainty,
    fixed_reservation,
    stated_accepts,
)

OAT_STREAM = 2
"""Seed-sequence stream of the one-at-a-time draws (0 is the Monte Carlo, 1 the robust search)."""
LOW_Q, HIGH_Q = 0.05, 0.95


@dataclass(frozen=True)
class Effect:
    """One assumption moved to its 5th and 95th percentile."""

    party: str
    assumption: str
    kind: str
    issue: str | None
    option: str | None
    stated: float
    low: float
    high: float
    margin_low: float
    margin_high: float
    accept_low: float
    accept_high: float
    all_low: float
    all_high: float

    @property
    def swing(self) -> float:
        return abs(self.accept_high - self.accept_low)

    @property
    def margin_swing(self) -> float:
        return abs(self.margin_high - self.margin_low)


@dataclass(frozen=True)
class SobolIndex:
    target: str  # a party id, or "all"
    input: str
    first: float
    first_ci: float
    total: float
    total_ci: float


@dataclass(frozen=True)
class Flip:
    """The change to one stated number at which a party's verdict at stated numbers flips."""

    party: str
    assumption: str
    kind: str
    issue: str | None
    stated: float
    threshold: float | None
    change: float | None
    spread: float | None
    """The assumption's standard deviation under its uncertainty block, when it has one."""
    verdict: str  # the verdict it flips to

    @property
    def in_spreads(self) -> float | None:
        if self.change is None or not self.spread:
            return None
        return abs(self.change) / self.spread


@dataclass
class SensitivityResult:
    scenario: str
    plan: str
    seed: int
    samples: int
    sobol_n: int
    stated_accepts: dict[str, bool]
    stated_margin: dict[str, float]
    tornado: list[Effect]
    sobol: list[SobolIndex]
    flips: list[Flip]
    notes: list[str] = field(default_factory=list)

    def smallest_flip(self, party: str | None = None) -> Flip | None:
        cands = [f for f in self.flips if f.change is not None
                 and (party is None or f.party == party)]
        return min(cands, key=lambda f: abs(f.change or 0.0), default=None)

    def all_accept_flip(self) -> Flip | None:
        """Smallest one-number change that flips whether everyone accepts at stated numbers."""
        if all(self.stated_accepts.values()):
            return self.smallest_flip()
        rejecting = [p for p, a in self.stated_accepts.items() if not a]
        return self.smallest_flip(rejecting[0]) if len(rejecting) == 1 else None

    def to_dict(self) -> dict[str, Any]:
        def flip(f: Flip | None) -> dict[str, Any] | None:
            return None if f is None else {**asdict(f), "in_spreads": f.in_spreads}

        return {
            "scenario": self.scenario,
            "plan": self.plan,
            "seed": self.seed,
            "samples": self.samples,
            "sobol_n": self.sobol_n,
            "stated": {"accepts": self.stated_accepts, "margin": self.stated_margin},
            "tornado": [{**asdict(e), "swing": e.swing, "margin_swing": e.margin_swing}
                        for e in self.tornado],
            "sobol": [asdict(s) for s in self.sobol],
            "flips": [flip(f) for f in self.flips],
            "smallest_flip": {p: flip(self.smallest_flip(p)) for p in self.stated_accepts},
            "all_accept_flip": flip(self.all_accept_flip()),
            "notes": self.notes,
        }


MIN_EVENTS = 30
"""Sobol indices of an acceptance that flips fewer times than this in the base sample are
noise; they are skipped with a note."""


# --- helpers ---------------------------------------------------------------------------------
def saltelli_sample(n: int, d: int, groups: list[str] | None = None,
                    seed: int = 0) -> NDArray[np.float64]:
    """Saltelli's (2002) radial design, row for row what SALib's `sobol.sample` builds
    (calc_second_order=False) but vectorised: for each base point A, then A with each group's
    columns from B, then B."""
    from scipy.stats import qmc

    base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    names = list(dict.fromkeys(groups)) if groups else [str(j) for j in range(d)]
    member = (np.array(groups)[None, :] == np.array(names)[:, None]) if groups \
        else np.eye(d, dtype=bool)
    out = np.empty((n, len(names) + 2, d))
    out[:, 0] = a
    out[:, 1:-1] = np.where(member[None], b[:, None, :], a[:, None, :])
    out[:, -1] = b
    return out.reshape(-1, d)


def _events_ok(y: NDArray[np.float64], n_groups: int) -> bool:
    base = y.reshape(-1, n_groups + 2)[:, 0]
    k = int(base.sum())
    return min(k, base.shape[0] - k) >= MIN_EVENTS


def _accepts(spec: UncertaintySpec, p: int, x: IntArray, draw: Callable[[int], Levels],
             n: int) -> NDArray[np.bool_]:
    m = spec.model
    if not m.within_red_lines(x)[0, p]:
        return np.zeros(n, dtype=bool)
    u, r = party_utilities(spec, p, x[None], draw, n)
    if u is None and r is None:
        return np.full(n, bool(stated_accepts(spec, x)[0, p]))
    uu = u[0] if u is not None else np.float32(m.utilities(x)[p])
    rr = r if r is not None else np.float32(fixed_reservation(spec)[p])
    return np.broadcast_to(uu >= rr, (n,)).copy()


def _level(q: float) -> int:
    return min(int(q * LEVELS), LEVELS - 1)


def _marginal(spec: UncertaintySpec, p: int, slot: int, q: float) -> float:
    """The assumption's own value at quantile q (a weight's Dirichlet marginal is a Beta)."""
    m = spec.model
    if slot == 0:
        return float(spec.res_low[p] + q * (spec.res_high[p] - spec.res_low[p]))
    if slot <= m.n_issues:
        i = slot - 1
        c, w = float(spec.concentration[p]), float(m.weights[p, i])
        return float(stats.beta(c * w, c * (1 - w)).ppf(q)) if w < 1 else 1.0
    return float(spec.table(p, slot)[_level(q)])


def _margin_at(spec: UncertaintySpec, p: int, x: IntArray, slot: int, value: float) -> float:
    """The party's utility minus walk-away at stated numbers, with one of them replaced (a
    weight moves with the others rescaled to keep the sum 1), as the compiled model has it."""
    m = spec.model
    if slot == 0:
        return float(m.utilities(x)[p]) - value
    one = m.restrict([m.party_ids[p]])
    w, v = one.weights.copy(), one.values.copy()
    if slot <= m.n_issues:
        i = slot - 1
        rest = 1.0 - w[0, i]
        if rest > 0:
            w *= (1.0 - value) / rest
        w[0, i] = value
    else:
        i = (slot - 1 - m.n_issues) // int(spec.value_a.shape[2])
        v[0, i, int(x[i])] = value
    moved = replace(one, weights=w, values=v)
    return float(moved.utilities(x)[0]) - float(fixed_reservation(spec)[p])


def _spread(spec: UncertaintySpec, p: int, kind: str, i: int, o: int) -> float | None:
    m = spec.model
    if kind == "reservation":
        return float((spec.res_high[p] - spec.res_low[p]) / math.sqrt(12)) \
            if spec.random_reservation[p] else None
    if kind == "weight":
        c, w = float(spec.concentration[p]), float(m.weights[p, i])
        return math.sqrt(w * (1 - w) / (c + 1)) if spec.random_weights[p] else None
    return float(spec.value_sd[p, i, o]) if spec.random_values[p, i, o] else None


# --- the analyses ----------------------------------------------------------------------------
def break_even(spec: UncertaintySpec, x: IntArray) -> list[Flip]:
    """Per party, each single stated number's threshold where its verdict flips (exact)."""
    m = spec.model
    out: list[Flip] = []
    inside = m.within_red_lines(x)[0]
    u = m.utilities(x)
    fixed_r = fixed_reservation(spec)
    verdicts = stated_accepts(spec, x)[0]
    for p, pid in enumerate(m.party_ids):
        r = float(fixed_r[p])
        accepts = bool(verdicts[p])
        to = "rejects" if accepts else "accepts"
        if not inside[p]:
            crossed = [m.issue_ids[i] for i in np.flatnonzero(m.violations(x)[0, p])]
            out.append(Flip(pid, f"{pid}: red line(s) on {', '.join(crossed)}", "red_line",
                            None, 1.0, None, None, None, to))
            continue
        margin = float(u[p]) - r
        # walk-away
        out.append(_flip(pid, Assumption(pid, "reservation").label, "reservation", None, r,
                         float(u[p]), _spread(spec, p, "reservation", 0, 0), to))
        for i in range(m.n_issues):
            o = int(x[i])
            w0, v0 = float(m.weights[p, i]), float(m.values[p, i, o])
            if w0 <= 0:
                continue
            if 0 < v0 < 1:
                thr = v0 - margin / w0
                out.append(_flip(pid, Assumption(pid, "value", m.issue_ids[i],
                                                 m.options[i][o]).label,
                                 "value", m.issue_ids[i], v0, thr,
                                 _spread(spec, p, "value", i, o), to))
            if w0 < 1:
                rest = (float(u[p]) - w0 * v0) / (1 - w0)  # utility of the other issues
                slope = v0 - rest
                thr_w = (r - rest) / slope if abs(slope) > 1e-12 else math.nan
                out.append(_flip(pid, Assumption(pid, "weight", m.issue_ids[i]).label, "weight",
                                 m.issue_ids[i], w0, thr_w, _spread(spec, p, "weight", i, o),
                                 to))
    return out


def _flip(pid: str, label: str, kind: str, issue: str | None, stated: float, thr: float,
          spread: float | None, to: str) -> Flip:
    feasible = math.isfinite(thr) and -1e-12 <= thr <= 1 + 1e-12
    return Flip(pid, label, kind, issue, stated, thr if feasible else None,
                (thr - stated) if feasible else None, spread, to)


Weigh = Callable[[int, Callable[[int], Levels], int], NDArray[np.float64]]
"""weigh(party, draw, n) -> (n,) importance weights of those draws (a posterior)."""


def sensitivity(scenario: Scenario, plan: str, *, samples: int = 1 << 14, sobol_n: int = 1 << 11,
                seed: int = 0, model: CompiledModel | None = None,
                spec: UncertaintySpec | None = None,
                weigh: Weigh | None = None) -> SensitivityResult:
    """Tornado (one-at-a-time), Sobol indices and break-even flips for one plan.

    `weigh`: importance weights of the draws (the posterior given the parties' reactions,
    `accord.calibrate`). The one-at-a-time probabilities are then weighted, the weights
    recomputed with the input held; Sobol indices are skipped, since they need independent
    inputs and the posterior's are dependent; break-even stays on the stated numbers.
    """
    from SALib.analyze import sobol as sobol_analyze

    if not 0 < samples <= BLOCK:
        raise ValueError(f"samples must be in 1..{BLOCK}")
    if sobol_n & (sobol_n - 1):
        raise ValueError("sobol_n must be a power of two")
    model = model if model is not None else compile_scenario(scenario)
    spec = spec if spec is not None else compile_uncertainty(scenario, model)
    m = model
    x = m.encode(dict(scenario.plan(plan).choices))
    n_p = m.n_parties
    slots = [spec.slots(p, x[None]) for p in range(n_p)]
    notes: list[str] = []

    # One-at-a-time with common random numbers.
    levels: list[dict[int, Levels]] = []
    streams: list[_Stream] = []
    for p in range(n_p):
        st = _Stream(seed, OAT_STREAM, 0, p, samples)
        streams.append(st)
        levels.append({s: st(s) for s in slots[p]})

    def lazy(p: int, lv: dict[int, Levels]) -> Callable[[int], Levels]:
        """Levels of any slot: the posterior's likelihood may need inputs the plan does not."""
        def get(slot: int) -> Levels:
            if slot not in lv:
                lv[slot] = streams[p](slot)
            return lv[slot]
        return get

    base = [_accepts(spec, p, x, levels[p].__getitem__, samples) for p in range(n_p)]
    wts = [np.ones(samples) if weigh is None else weigh(p, lazy(p, levels[p]), samples)
           for p in range(n_p)]

    def share(ok: NDArray[np.bool_], w: NDArray[np.float64]) -> float:
        total = float(w.sum())
        return float(w[ok].sum() / total) if total > 0 else float("nan")

    tornado: list[Effect] = []
    for p in range(n_p):
        others = np.logical_and.reduce([base[q] for q in range(n_p) if q != p]) \
            if n_p > 1 else np.ones(samples, dtype=bool)
        w_others = np.prod([wts[q] for q in range(n_p) if q != p], axis=0) \
            if n_p > 1 else np.ones(samples)
        for s in slots[p]:
            res = []
            for q in (LOW_Q, HIGH_Q):
                held = np.full(samples, _level(q), dtype=np.uint16)
                lv = levels[p]

                def draw(slot: int, s: int = s, held: Levels = held,
                         lv: dict[int, Levels] = lv) -> Levels:
                    return held if slot == s else lv[slot]

                acc = _accepts(spec, p, x, draw, samples)
                if weigh is None:
                    res.append((float(acc.mean()), float((acc & others).mean())))
                    continue
                w_p = weigh(p, lazy(p, {**lv, s: held}), samples)
                res.append((share(acc, w_p), share(acc & others, w_p * w_others)))
            a = spec.assumption(p, s)
            lo, hi = _marginal(spec, p, s, LOW_Q), _marginal(spec, p, s, HIGH_Q)
            stated = _stated(spec, p, x, s)
            tornado.append(Effect(
                m.party_ids[p], a.label, a.kind, a.issue, a.option, stated, lo, hi,
                _margin_at(spec, p, x, s, lo), _margin_at(spec, p, x, s, hi),
                res[0][0], res[1][0], res[0][1], res[1][1]))
    # margins are sums of floats: round off the last bits so equal swings sort by name
    tornado.sort(key=lambda e: (-e.swing, -round(e.margin_swing, 12), e.assumption))

    # Variance-based, per party over its inputs, and for all over groups of inputs.
    sobol: list[SobolIndex] = []
    if weigh is not None:
        notes.append("under the posterior the inputs are dependent, and Sobol indices need "
                     "independent inputs: only the one-at-a-time and break-even analyses are "
                     "given (break-even on the stated numbers)")
    for p in range(n_p if weigh is None else 0):
        if len(slots[p]) < 1:
            continue
        labels = [spec.assumption(p, s).label for s in slots[p]]
        problem: dict[str, Any] = {"num_vars": len(slots[p]), "names": labels,
                   "bounds": [[0.0, 1.0]] * len(slots[p])}
        xs = saltelli_sample(sobol_n, len(slots[p]), seed=seed)
        lv_all = np.minimum((xs * LEVELS).astype(np.int64), LEVELS - 1).astype(np.uint16)
        cols = {s: np.ascontiguousarray(lv_all[:, j]) for j, s in enumerate(slots[p])}
        y = _accepts(spec, p, x, cols.__getitem__, xs.shape[0]).astype(float)
        if not _events_ok(y, len(slots[p])):
            notes.append(f"{m.party_ids[p]}: acceptance is (almost) certain, P = {y.mean():.4f}; "
                         "no Sobol indices")
            continue
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        for j, name in enumerate(labels):
            sobol.append(SobolIndex(m.party_ids[p], name, float(si["S1"][j]),
                                    float(si["S1_conf"][j]), float(si["ST"][j]),
                                    float(si["ST_conf"][j])))
    if weigh is None:
        sobol.extend(_sobol_all(spec, x, slots, sobol_n, seed, notes))

    stated_u = m.utilities(x)
    fixed_r = fixed_reservation(spec)
    verdicts = stated_accepts(spec, x)[0]
    return SensitivityResult(
        scenario=m.scenario_id, plan=plan, seed=seed, samples=samples, sobol_n=sobol_n,
        stated_accepts={pid: bool(verdicts[p]) for p, pid in enumerate(m.party_ids)},
        stated_margin={pid: float(stated_u[p] - fixed_r[p]) for p, pid in enumerate(m.party_ids)},
        tornado=tornado, sobol=sobol, flips=break_even(spec, x), notes=notes)


def _stated(spec: UncertaintySpec, p: int, x: IntArray, slot: int) -> float:
    m = spec.model
    if slot == 0:
        return float(fixed_reservation(spec)[p])
    if slot <= m.n_issues:
        return float(m.weights[p, slot - 1])
    i = (slot - 1 - m.n_issues) // int(spec.value_a.shape[2])
    return float(m.values[p, i, int(x[i])])


def _sobol_all(spec: UncertaintySpec, x: IntArray, slots: list[list[int]], n: int, seed: int,
               notes: list[str]) -> list[SobolIndex]:
    """Sobol indices of everyone accepting, for groups of inputs (party x kind)."""
    from SALib.analyze import sobol as sobol_analyze

    m = spec.model
    names, groups, owners = [], [], []
    for p, ss in enumerate(slots):
        for s in ss:
            a = spec.assumption(p, s)
            names.append(a.label)
            groups.append(f"{a.party}: {'walk-away' if a.kind == 'reservation' else a.kind + 's'}")
            owners.append((p, s))
    if len(set(groups)) < 2:
        return []
    problem: dict[str, Any] = {"num_vars": len(names), "names": names, "groups": groups,
               "bounds": [[0.0, 1.0]] * len(names)}
    xs = saltelli_sample(n, len(names), groups, seed=seed)
    lv = np.minimum((xs * LEVELS).astype(np.int64), LEVELS - 1).astype(np.uint16)
    y = np.ones(xs.shape[0], dtype=bool)
    for p in range(m.n_parties):
        cols = {s: np.ascontiguousarray(lv[:, j]) for j, (q, s) in enumerate(owners) if q == p}
        y &= _accepts(spec, p, x, cols.__getitem__, xs.shape[0])
    if not _events_ok(y.astype(float), len(set(groups))):
        notes.append(f"all: everyone accepting is (almost) certain, P = {y.mean():.4f}; "
                     "no Sobol indices")
        return []
    si = sobol_analyze.analyze(problem, y.astype(float), calc_second_order=False, seed=seed)
    gnames = list(dict.fromkeys(groups))
    return [SobolIndex("all", g, float(si["S1"][j]), float(si["S1_conf"][j]),
                       float(si["ST"][j]), float(si["ST_conf"][j]))
            for j, g in enumerate(gnames)]
