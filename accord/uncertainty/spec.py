"""Each party's `uncertainty` block compiled into arrays and tabulated quantile functions.

The distributions (DESIGN.md): weights ~ Dirichlet(c * w) around the stated weights, drawn as
normalised independent Gamma(c * w_i) variates (zero weights stay zero); each stated option
value v ~ Beta with mean v and the given spread; the walk-away ~ Uniform(low, high). A party
without a block, or a part of a block left out, keeps its stated numbers exactly.

Conventions for the Beta (documented in docs/uncertainty.md):
- A stated value of exactly 0 or 1 is a fixed anchor: the value scale is defined by the
  party's worst (0) and best (1) option, so the end points are not uncertain.
- Other means are clipped into [EPS, 1 - EPS].
- The spread is capped at sqrt(m (1 - m) / (1 + K_MIN)), so a + b >= K_MIN; the largest
  standard deviation a Beta of mean m can have is sqrt(m (1 - m)).

Every variate is drawn by inverse transform (Devroye 1986, ch. II.2) from its quantile function
tabulated at LEVELS equally likely midpoints: a draw is one table look-up, and sensitivity runs
can hold every other input's uniform fixed (common random numbers). The discretised law is
within 1 / (2 LEVELS) of the exact one in Kolmogorov distance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special

from accord.model.compiled import BoolArray, CompiledModel, FloatArray, IntArray
from accord.model.scenario import Scenario

LEVELS = 4096
"""Quantile table resolution; a draw uses 12 random bits."""
EPS = 1e-3
K_MIN = 1.0
GAMMA_FLOOR = 1e-30
"""Gamma variates are floored here (float32) so a Dirichlet never divides by zero."""

Table = NDArray[np.float32]
Kind = Literal["weight", "value", "reservation", "red_line"]

_MIDS = (np.arange(LEVELS, dtype=np.float64) + 0.5) / LEVELS


@lru_cache(maxsize=4096)
def gamma_table(shape: float) -> Table:
    t = special.gammaincinv(shape, _MIDS)
    out = np.maximum(t, GAMMA_FLOOR).astype(np.float32)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=8192)
def beta_table(a: float, b: float) -> Table:
    out = special.betaincinv(a, b, _MIDS).astype(np.float32)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=1024)
def uniform_table(low: float, high: float) -> Table:
    out = (low + (high - low) * _MIDS).astype(np.float32)
    out.setflags(write=False)
    return out


def beta_params(mean: float, sd: float) -> tuple[float, float, float]:
    """(a, b, effective sd) of the Beta used for a stated value `mean` and spread `sd`."""
    m = min(max(mean, EPS), 1.0 - EPS)
    cap = math.sqrt(m * (1.0 - m) / (1.0 + K_MIN))
    s = min(sd, cap)
    k = m * (1.0 - m) / (s * s) - 1.0
    return m * k, (1.0 - m) * k, s


@dataclass(frozen=True)
class Assumption:
    """One uncertain input: a party's weight on an issue, its value for an option, its walk-away."""

    party: str
    kind: Kind
    issue: str | None = None
    option: str | None = None
    red_line: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "red_line":
            return f"{self.party}: red line {self.red_line} is real"
        if self.kind == "reservation":
            return f"{self.party}: walk-away"
        if self.kind == "weight":
            return f"{self.party}: weight of {self.issue}"
        return f"{self.party}: value of {self.issue}={self.option}"


@dataclass(frozen=True, eq=False)
class UncertaintySpec:
    """Per scored party (model order): which inputs are random, and their parameters.

    Random-stream slots per party: 0 is the walk-away, 1 + i the Gamma behind issue i's
    weight, 1 + I + i * O + o the value of option o of issue i.
    """

    model: CompiledModel
    concentration: FloatArray  # (P,) Dirichlet c; 0 where weights are fixed
    random_weights: BoolArray  # (P,)
    value_a: FloatArray  # (P, I, O) Beta parameters; 0 where the value is fixed
    value_b: FloatArray
    value_sd: FloatArray  # (P, I, O) effective spread; 0 where fixed
    random_values: BoolArray  # (P, I, O)
    res_low: FloatArray  # (P,)
    res_high: FloatArray
    random_reservation: BoolArray  # (P,)
    _tables: dict[tuple[int, int], Table] = field(default_factory=dict, repr=False)

    # --- shape --------------------------------------------------------------------------------
    @property
    def n_slots(self) -> int:
        m = self.model
        return 1 + m.n_issues + m.n_issues * int(self.value_a.shape[2])

    def red_line_slots(self) -> IntArray:
        """(R,) the stream slot of each uncertain red line on its owner's stream, -1 where it
        is not drawn (probability 1, or an owner this model does not score).

        Slots come after every preference slot (`n_slots`): red line r takes n_slots + k, k
        its place in its owner's list, so adding or removing a probability elsewhere moves no
        other draw, and a scenario without probabilities draws exactly what it drew before.
        """
        m = self.model
        rl = m.red_lines
        out = np.full(len(rl), -1, dtype=np.int64)
        seen: dict[str, int] = {}
        for r, owner in enumerate(rl.owner):
            k = seen.get(owner, 0)
            seen[owner] = k + 1
            if owner in m.party_ids and rl.probability[r] < 1.0:
                out[r] = self.n_slots + k
        return out

    def uncertain_red_lines(self) -> NDArray[np.intp]:
        """Indices of the red lines drawn per sample."""
        return np.flatnonzero(self.red_line_slots() >= 0)

    def value_slot(self, i: int, o: int) -> int:
        return 1 + self.model.n_issues + i * int(self.value_a.shape[2]) + o

    def is_random(self, p: int) -> bool:
        return bool(self.random_weights[p] or self.random_values[p].any()
                    or self.random_reservation[p])

    @property
    def deterministic(self) -> bool:
        return not any(self.is_random(p) for p in range(self.model.n_parties))

    def weight_issues(self, p: int) -> NDArray[np.intp]:
        """Issues carrying weight for party p (the Dirichlet's support)."""
        return np.flatnonzero(self.model.weights[p] > 0)

    # --- tables -------------------------------------------------------------------------------
    def table(self, p: int, slot: int) -> Table:
        """The quantile table of one random input (cached on the spec)."""
        key = (p, slot)
        t = self._tables.get(key)
        if t is not None:
            return t
        n_i = self.model.n_issues
        if slot == 0:
            t = uniform_table(float(self.res_low[p]), float(self.res_high[p]))
        elif slot <= n_i:
            i = slot - 1
            t = gamma_table(float(self.concentration[p] * self.model.weights[p, i]))
        else:
            i, o = divmod(slot - 1 - n_i, int(self.value_a.shape[2]))
            t = beta_table(float(self.value_a[p, i, o]), float(self.value_b[p, i, o]))
        self._tables[key] = t
        return t

    def warm(self, packages: NDArray[np.int64] | None = None) -> UncertaintySpec:
        """Build the tables a run needs up front (before shipping the spec to workers)."""
        for p in range(self.model.n_parties):
            for slot in self.slots(p, packages):
                self.table(p, slot)
        return self

    def slots(self, p: int, packages: NDArray[np.int64] | None = None) -> list[int]:
        """Random slots party p needs to evaluate `packages` (all options when None)."""
        out: list[int] = []
        if self.random_reservation[p]:
            out.append(0)
        if self.random_weights[p]:
            out.extend(1 + int(i) for i in self.weight_issues(p))
        if packages is None:
            cols = zip(*np.nonzero(self.random_values[p]), strict=True)
            out.extend(self.value_slot(int(i), int(o)) for i, o in cols)
        else:
            used = sorted({(i, int(o)) for row in np.atleast_2d(packages)
                           for i, o in enumerate(row) if self.random_values[p, i, int(o)]})
            out.extend(self.value_slot(i, o) for i, o in used)
        return sorted(out)

    def assumption(self, p: int, slot: int) -> Assumption:
        m = self.model
        pid = m.party_ids[p]
        if slot >= self.n_slots:
            rl = m.red_lines
            r = next(k for k, s in enumerate(self.red_line_slots())
                     if s == slot and rl.owner[k] == pid)
            return Assumption(pid, "red_line", m.issue_ids[int(rl.issue[r])],
                              red_line=m.red_lines.ids[r])
        if slot == 0:
            return Assumption(pid, "reservation")
        if slot <= m.n_issues:
            return Assumption(pid, "weight", m.issue_ids[slot - 1])
        i, o = divmod(slot - 1 - m.n_issues, int(self.value_a.shape[2]))
        return Assumption(pid, "value", m.issue_ids[i], m.options[i][o])


def compile_uncertainty(scenario: Scenario, model: CompiledModel) -> UncertaintySpec:
    """Read each scored party's `uncertainty` block into arrays aligned with the model."""
    n_p, n_i, n_o = model.values.shape
    conc = np.zeros(n_p)
    rw = np.zeros(n_p, dtype=bool)
    va = np.zeros((n_p, n_i, n_o))
    vb = np.zeros((n_p, n_i, n_o))
    vsd = np.zeros((n_p, n_i, n_o))
    rv = np.zeros((n_p, n_i, n_o), dtype=bool)
    lo = model.reservation.copy()
    hi = model.reservation.copy()
    rr = np.zeros(n_p, dtype=bool)
    for p, pid in enumerate(model.party_ids):
        u = scenario.preferences[pid].uncertainty
        if u is None:
            continue
        if u.weights is not None and (model.weights[p] > 0).sum() > 1:
            conc[p] = u.weights.dirichlet
            rw[p] = True
        if u.values is not None:
            for i, iid in enumerate(model.issue_ids):
                sd = u.values.issues.get(iid, u.values.sd)
                if sd <= 0:
                    continue
                for o in range(int(model.n_options[i])):
                    v = float(model.values[p, i, o])
                    if v <= 0.0 or v >= 1.0:
                        continue  # fixed anchors of the value scale
                    a, b, s = beta_params(v, sd)
                    va[p, i, o], vb[p, i, o], vsd[p, i, o], rv[p, i, o] = a, b, s, True
        if u.reservation is not None:
            lo[p], hi[p] = u.reservation.low, u.reservation.high
            rr[p] = u.reservation.high > u.reservation.low
            if not rr[p]:
                lo[p] = hi[p] = u.reservation.low
    return UncertaintySpec(model, conc, rw, va, vb, vsd, rv, lo, hi, rr)


def fixed_reservation(spec: UncertaintySpec) -> FloatArray:
    """(P,) the walk-away used where it is not random (the block's point interval, else stated).

    Every verdict in this package compares against this, never `model.reservation` directly,
    so a point interval `{low: x, high: x}` counts the same everywhere.
    """
    return np.where(spec.random_reservation, spec.model.reservation, spec.res_low)


def stated_accepts(spec: UncertaintySpec, packages: NDArray[np.int64]) -> BoolArray:
    """(N, P) verdicts at the stated numbers: within the red lines and the compiled model's
    utility at least the fixed walk-away (`fixed_reservation`)."""
    m = spec.model
    x = np.asarray(packages, dtype=np.intp).reshape(-1, m.n_issues)
    return m.within_red_lines(x) & (m.utilities(x) >= fixed_reservation(spec) - 1e-12)


Levels = NDArray[np.uint16]
Sample = NDArray[np.float32]


class PartyDraws:
    """One party's sampled numbers for n samples, and the one formula for sampled utilities.

    u(x) = sum_i g_i v_i(x_i) / sum_i g_i over the issues the party weights, where g_i is issue
    i's Gamma variate when weights are random (the Dirichlet, normalised at the end) or its
    stated weight (which sums to 1, so no division), and v_i the drawn or stated value. Where
    neither is random the term is the compiled model's `table` entry. `draw(slot)` gives the
    (n,) table levels of one random input; inputs are drawn on first use.
    """

    def __init__(self, spec: UncertaintySpec, p: int, draw: Callable[[int], Levels],
                 n: int) -> None:
        self.spec, self.p, self.draw, self.n = spec, p, draw, n
        self.support = spec.weight_issues(p)
        self.random_w = bool(spec.random_weights[p])
        self._values: dict[tuple[int, int], Sample] = {}
        self._gamma: dict[int, Sample] = {}
        self.den: Sample | None = None
        if self.random_w:
            den = np.zeros(n, dtype=np.float32)
            for i in self.support:
                g = spec.table(p, 1 + int(i))[draw(1 + int(i))]
                self._gamma[int(i)] = g
                den += g
            self.den = den
        self.reservation: Sample | None = (spec.table(p, 0)[draw(0)]
                                           if spec.random_reservation[p] else None)

    def random_utility(self, packages: NDArray[np.int64]) -> bool:
        """Whether any of these packages' utilities is random for this party."""
        rv = self.spec.random_values[self.p]
        return self.random_w or any(bool(rv[i, packages[:, i]].any()) for i in self.support)

    def value(self, i: int, o: int) -> Sample:
        v = self._values.get((i, o))
        if v is None:
            slot = self.spec.value_slot(i, o)
            v = self._values[(i, o)] = self.spec.table(self.p, slot)[self.draw(slot)]
        return v

    def term(self, i: int, o: int, out: Sample | None = None) -> Sample | float:
        """g_i v_i(o): option o of issue i's share of the utility before normalisation; a
        float where nothing in it is random."""
        m, p = self.spec.model, self.p
        if self.spec.random_values[p, i, o]:
            v = self.value(i, o)
            if self.random_w:
                return np.multiply(self._gamma[i], v, out=out)
            return np.multiply(v, np.float32(m.weights[p, i]), out=out)
        if self.random_w:
            return np.multiply(self._gamma[i], np.float32(m.values[p, i, o]), out=out)
        return float(m.table[p, i, o])

    def utilities(self, packages: NDArray[np.int64]) -> NDArray[np.float32] | None:
        """(K, n) sampled utilities of K packages; None when none of them is random."""
        if not self.random_utility(packages):
            return None
        n = self.n
        out = np.empty((packages.shape[0], n), dtype=np.float32)
        tmp = np.empty(n, dtype=np.float32)
        for k, row in enumerate(packages):
            num = np.zeros(n, dtype=np.float32)
            const = 0.0
            for i in self.support:
                t = self.term(int(i), int(row[i]), out=tmp)
                if isinstance(t, float):
                    const += t
                else:
                    num += t
            if self.den is not None:
                num /= self.den
            if const:
                num += np.float32(const)
            out[k] = num
        return out

    def table(self) -> FloatArray:
        """(n, I, O) each option's share of the utility per sample: the compiled model's
        `table` under the drawn numbers (a package's utility is the sum of its entries)."""
        m = self.spec.model
        out = np.zeros((self.n, m.n_issues, m.values.shape[2]))
        for i in self.support:
            for o in range(int(m.n_options[i])):
                t = self.term(int(i), o)
                out[:, i, o] = t / self.den if self.den is not None else t
        return out
