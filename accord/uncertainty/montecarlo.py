"""Monte Carlo over the parties' preference uncertainty: who accepts a package, and how surely.

Plain Monte Carlo (Metropolis and Ulam 1949) on the compiled model. Samples come in fixed blocks
of BLOCK; block b of stream s draws party p's inputs from the seed sequence spawned with key
(s, b, p) (numpy SeedSequence, O'Neill 2015), and each input owns a fixed stretch of that
stream. So a result depends only on the seed and the sample count: not on how blocks are grouped
into chunks, nor on how many processes or machines run them, nor on which other packages are
evaluated alongside. Blocks reduce to integer counts plus float sums combined with math.fsum
(exactly rounded, so order-free); memory is O(BLOCK * issues) whatever the sample count.

A red line with `probability` p < 1 is real in a sample with probability p, independently of
everything else: a Bernoulli drawn by the same inverse transform as every other input (level
l of LEVELS is "real" when its midpoint (l + 1/2) / LEVELS < p), on its owner's stream at a slot
after every preference slot (`UncertaintySpec.red_line_slots`). Red lines with p = 1 draw
nothing, so a scenario without probabilities gives the same numbers bit for bit.

Proportions carry Wilson (1927) score intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.random import PCG64, SeedSequence
from numpy.typing import NDArray

from accord.model.compiled import BoolArray, FloatArray, IntArray
from accord.uncertainty.spec import (
    LEVELS,
    Levels,
    PartyDraws,
    UncertaintySpec,
    fixed_reservation,
    stated_accepts,
)

BLOCK = 1 << 16
"""Samples per block: the unit of seeding and of work."""
NBINS = 1000
"""Utility histogram bins over [0, 1]: quantiles are read to 0.001."""
Z95 = 1.959963984540054
MAX_PATTERN_PARTIES = 10

DrawFn = Callable[[int], Levels]
"""slot -> (n,) table levels for one party."""


class _Stream:
    """One party's random stream in one block; slot k starts at raw draw k * BLOCK / 4."""

    def __init__(self, seed: int, stream: int, block: int, party: int, n: int) -> None:
        self.bg = PCG64(SeedSequence(seed, spawn_key=(stream, block, party)))
        self.pos = 0
        self.n = n

    def __call__(self, slot: int) -> Levels:
        start = slot * (BLOCK // 4)
        self.bg.advance((start - self.pos) % (1 << 128))
        count = (self.n + 3) // 4
        raw = self.bg.random_raw(count)
        self.pos = start + count
        bits = np.asarray(raw, dtype="<u8").view("<u2")[: self.n]
        return np.right_shift(bits, 4, out=bits)


def red_line_thresholds(probability: FloatArray) -> IntArray:
    """(R,) the number of levels (of LEVELS) in which each red line is real: those whose
    midpoint lies below its probability, so the drawn share is within 1 / (2 LEVELS) of it."""
    p = np.asarray(probability, dtype=np.float64)
    return np.clip(np.ceil(p * LEVELS - 0.5), 0, LEVELS).astype(np.int64)


def red_line_mask(spec: UncertaintySpec, draws: Sequence[DrawFn], n: int) -> BoolArray:
    """(R, n) True where red line r is real in sample s: the per-sample red-line draw.

    `draws[p]` gives party p's (n,) levels for a slot (a `_Stream`, or fixed levels in the
    sensitivity runs). Red lines with probability 1, and those of parties this model does not
    score, are real in every sample. Use `sample_red_lines` for the Monte Carlo's own draws.
    """
    m = spec.model
    rl = m.red_lines
    out = np.ones((len(rl), n), dtype=bool)
    slots = spec.red_line_slots()
    thr = red_line_thresholds(rl.probability)
    for r in np.flatnonzero(slots >= 0):
        p = m.party_ids.index(rl.owner[r])
        np.less(draws[p](int(slots[r])), thr[r], out=out[r])
    return out


def sample_red_lines(spec: UncertaintySpec, n: int, seed: int, *, stream: int = 0,
                     block: int = 0) -> BoolArray:
    """(R, n) which red lines are real in the n samples of (stream, block): exactly the
    masks `monte_carlo` uses there (stream 0, block b covers samples b * BLOCK onwards)."""
    if not 0 < n <= BLOCK:
        raise ValueError(f"n must be in 1..{BLOCK}")
    draws = [_Stream(seed, stream, block, p, n) for p in range(spec.model.n_parties)]
    return red_line_mask(spec, draws, n)


def party_utilities(spec: UncertaintySpec, p: int, packages: IntArray, draw: DrawFn,
                    n: int) -> tuple[NDArray[np.float32] | None, NDArray[np.float32] | None]:
    """(K, n) sampled utilities of party p for K packages and (n,) walk-aways, from `draw`.

    Either is None where it is not random (the stated numbers then apply exactly). The
    formula is `PartyDraws.utilities`, shared with the robust search and the sensitivity runs.
    """
    d = PartyDraws(spec, p, draw, n)
    return d.utilities(packages), d.reservation


@dataclass
class BlockTally:
    """What one block contributes for K packages and P parties."""

    block: int
    n: int
    accept: IntArray  # (K, P)
    all_accept: IntArray  # (K,)
    binds: IntArray  # (K, P) crossed a red line although utility >= walk-away
    patterns: IntArray  # (K, 2^P) or (K, 0)
    hist: IntArray  # (K, P, NBINS)
    usum: FloatArray  # (K, P)
    usq: FloatArray  # (K, P)
    agreement: IntArray | None = None  # (K,) no party blocks under its consent
    real: IntArray | None = None  # (R,) samples in which red line r was real
    decides: IntArray | None = None  # (K, R) samples in which r being real decided its owner's
    # verdict: crossed, real, and the owner would otherwise have accepted


def evaluate_block(spec: UncertaintySpec, packages: IntArray, draws: Sequence[DrawFn], n: int,
                   block: int = -1) -> BlockTally:
    """Tally one block of n samples given each party's draw function."""
    m = spec.model
    pk = np.atleast_2d(np.asarray(packages, dtype=np.int64))
    n_k, n_p = pk.shape[0], m.n_parties
    rl = m.red_lines
    uncertain = spec.red_line_slots() >= 0  # (R,)
    crossed = m.crossed(pk)  # (K, R)
    real = red_line_mask(spec, draws, n) if uncertain.any() else None
    owner = np.array([m.party_ids.index(o) if o in m.party_ids else -1 for o in rl.owner],
                     dtype=np.int64)
    # A party crossing only uncertain red lines is inside them in the samples where none of
    # those is real; `inside` is the verdict where nothing uncertain is crossed.
    unc_crossed = crossed & uncertain[None]
    inside = m.within_red_lines(pk)  # (K, P)
    if unc_crossed.any():
        certain_hit = np.zeros((n_k, n_p), dtype=bool)
        for line in np.flatnonzero(~uncertain & (owner >= 0)):
            certain_hit[:, owner[line]] |= crossed[:, line]
        inside = ~certain_hit
    stated_u = m.utilities(pk).reshape(n_k, n_p)
    fixed_r = fixed_reservation(spec)
    accept = np.zeros((n_k, n_p), dtype=np.int64)
    binds = np.zeros((n_k, n_p), dtype=np.int64)
    hist = np.zeros((n_k, n_p, NBINS), dtype=np.int64)
    usum = np.zeros((n_k, n_p))
    usq = np.zeros((n_k, n_p))
    acc_all = np.ones((n_k, n), dtype=bool)
    agree = np.ones((n_k, n), dtype=bool)
    n_r = len(rl)
    decides = np.zeros((n_k, n_r), dtype=np.int64)
    assert m.consent is not None
    pattern_code = np.zeros((n_k, n), dtype=np.int64) if n_p <= MAX_PATTERN_PARTIES else None
    for p in range(n_p):
        u, r = party_utilities(spec, p, pk, draws[p], n)
        mine = owner == p
        for k in range(n_k):
            if u is None:
                uk: Any = float(stated_u[k, p])
                usum[k, p] = n * uk
                usq[k, p] = n * uk * uk
                b = min(int(uk * NBINS), NBINS - 1)
                hist[k, p, max(b, 0)] += n
            else:
                uk = u[k]
                usum[k, p] = float(np.add.reduce(uk, dtype=np.float64))
                usq[k, p] = float(np.add.reduce(np.square(uk, dtype=np.float64)))
                bins = np.clip((uk * NBINS).astype(np.int64), 0, NBINS - 1)
                hist[k, p] = np.bincount(bins, minlength=NBINS)
            if r is None:
                ok: Any = uk >= fixed_r[p] - 1e-12 if u is None else uk >= np.float32(fixed_r[p])
            else:
                ok = uk >= r
            ok = np.broadcast_to(ok, (n,))
            drawn = np.flatnonzero(unc_crossed[k] & mine)
            if inside[k, p] and drawn.size and real is not None:
                hits = real[drawn]  # (D, n) the crossed uncertain red lines that are real
                ins = ~hits.any(axis=0)
                okin = ok & ins
                accept[k, p] = int(np.count_nonzero(okin))
                binds[k, p] = int(np.count_nonzero(ok & ~ins))
                acc_all[k] &= okin
                if pattern_code is not None:
                    pattern_code[k] |= okin.astype(np.int64) << p
                n_hits = hits.sum(axis=0)
                for j, rr in enumerate(drawn):  # decisive: the only real one, and ok otherwise
                    decides[k, rr] = int(np.count_nonzero(ok & hits[j] & (n_hits == 1)))
                accepted: Any = okin
            elif inside[k, p]:
                accept[k, p] = int(np.count_nonzero(ok))
                acc_all[k] &= ok
                if pattern_code is not None:
                    pattern_code[k] |= ok.astype(np.int64) << p
                accepted = ok
            else:
                binds[k, p] = int(np.count_nonzero(ok))
                acc_all[k] = False
                accepted = False
            kind = m.consent[p]
            if kind == "all":
                agree[k] &= accepted
            elif kind == "list":
                veto = np.flatnonzero(crossed[k] & mine & rl.binding)
                certain = veto[~uncertain[veto]]
                if certain.size:
                    agree[k] = False
                elif veto.size and real is not None:
                    agree[k] &= ~real[veto].any(axis=0)
    patterns = (np.stack([np.bincount(pattern_code[k], minlength=1 << n_p) for k in range(n_k)])
                if pattern_code is not None else np.zeros((n_k, 0), dtype=np.int64))
    n_real = real.sum(axis=1).astype(np.int64) if real is not None else \
        np.full(n_r, n, dtype=np.int64)
    return BlockTally(block, n, accept, acc_all.sum(axis=1), binds, patterns, hist, usum, usq,
                      agree.sum(axis=1), n_real, decides)


def block_sizes(samples: int) -> list[tuple[int, int]]:
    """(block index, samples in it) covering `samples`."""
    return [(b, min(BLOCK, samples - b * BLOCK)) for b in range(-(-samples // BLOCK))]


def run_blocks(spec: UncertaintySpec, packages: IntArray, seed: int,
               blocks: Sequence[tuple[int, int]], stream: int = 0) -> list[BlockTally]:
    """The unit of work, local or on a Dask worker: tally the given blocks of one stream."""
    out = []
    for b, n in blocks:
        draws = [_Stream(seed, stream, b, p, n) for p in range(spec.model.n_parties)]
        out.append(evaluate_block(spec, packages, draws, n, block=b))
    return out


# --- reduction and result -----------------------------------------------------------------------
def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for k successes in n trials ([0, 1] when n is 0)."""
    if n == 0:
        return (0.0, 1.0)
    ph = k / n
    den = 1 + z * z / n
    centre = (ph + z * z / (2 * n)) / den
    half = z * math.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return (lo, hi)


def _quantile(hist: IntArray, q: float) -> float:
    total = int(hist.sum())
    if total == 0:
        return float("nan")
    cum = np.cumsum(hist)
    target = q * total
    b = int(np.searchsorted(cum, target, side="left"))
    b = min(b, NBINS - 1)
    before = int(cum[b - 1]) if b else 0
    inside = int(hist[b])
    frac = (target - before) / inside if inside else 0.5
    return (b + min(max(frac, 0.0), 1.0)) / NBINS


QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass
class PackageOutcome:
    """Monte Carlo verdicts on one package."""

    label: str
    package: IntArray
    choices: dict[str, Any]
    samples: int
    accept: dict[str, int]
    all_accept: int
    binds: dict[str, int]
    red_lines: dict[str, list[str]]
    patterns: dict[str, int]
    hist: IntArray
    mean: dict[str, float]
    sd: dict[str, float]
    stated_accepts: dict[str, bool]
    stated_utility: dict[str, float]
    agreement: int = -1
    """Samples in which no party blocks under its consent (-1: not tallied)."""
    violates: list[str] = field(default_factory=list)
    """Constraints the package violates: not a package at all (scored, flagged)."""
    uncertain_red_lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per uncertain red line: owner, probability, crossed here, samples real, samples in
    which it decided its owner's verdict."""

    def p_accept(self, party: str) -> float:
        return self.accept[party] / self.samples if self.samples else float("nan")

    @property
    def p_all(self) -> float:
        return self.all_accept / self.samples if self.samples else float("nan")

    @property
    def p_agreement(self) -> float:
        return self.agreement / self.samples if self.samples else float("nan")

    def to_dict(self) -> dict[str, Any]:
        n = self.samples
        parties = list(self.accept)
        return {
            "label": self.label,
            "choices": self.choices,
            "accept": {p: self.accept[p] / n if n else None for p in parties},
            "accept_ci95": {p: list(wilson(self.accept[p], n)) for p in parties},
            "all_accept": self.all_accept / n if n else None,
            "all_accept_ci95": list(wilson(self.all_accept, n)),
            "agreement": self.agreement / n if n else None,
            "agreement_ci95": list(wilson(self.agreement, n)),
            "stated": {"accepts": self.stated_accepts,
                       "all_accept": all(self.stated_accepts.values()),
                       "utility": {p: round(u, 6) for p, u in self.stated_utility.items()}},
            "utility": {
                p: {"mean": round(self.mean[p], 6), "sd": round(self.sd[p], 6),
                    "quantiles": {f"q{int(q * 100):02d}": round(_quantile(self.hist[j], q), 4)
                                  for q in QUANTILES}}
                for j, p in enumerate(parties)
            },
            "red_lines": {p: {"crossed": self.red_lines[p],
                              "binds": self.binds[p] / n if n else None}
                          for p in parties if self.red_lines[p]},
            "patterns": {k: v / n for k, v in self.patterns.items() if v} if n else {},
            **({"uncertain_red_lines": {
                rid: {"owner": d["owner"], "probability": d["probability"],
                      "crossed": d["crossed"], "real": d["real"] / n if n else None,
                      "real_ci95": list(wilson(d["real"], n)),
                      "decides": d["decides"] / n if n else None}
                for rid, d in self.uncertain_red_lines.items()}}
               if self.uncertain_red_lines else {}),
            **({"coherent": False, "violates": self.violates} if self.violates else {}),
        }


@dataclass
class MonteCarloResult:
    """The reduction of every completed block; `partial` when a run was stopped early."""

    scenario: str
    seed: int
    requested: int
    samples: int
    blocks: int
    partial: bool
    packages: list[PackageOutcome]
    assumptions: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def outcome(self, label: str) -> PackageOutcome:
        for o in self.packages:
            if o.label == label:
                return o
        raise KeyError(label)

    def to_dict(self) -> dict[str, Any]:
        first = self.packages[0].to_dict() if self.packages else {}
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "samples": self.samples,
            "requested": self.requested,
            "seed": self.seed,
            "partial": self.partial,
            "block_size": BLOCK,
        }
        if len(self.packages) == 1:
            out.update(first)
        else:
            out["packages"] = [o.to_dict() for o in self.packages]
        out["uncertain"] = self.assumptions
        out.update(self.extras)
        return out


def reduce_tallies(spec: UncertaintySpec, packages: IntArray, labels: Sequence[str],
                   tallies: Iterable[BlockTally], *, seed: int, requested: int,
                   partial: bool) -> MonteCarloResult:
    """Combine block tallies in an order-free way (integer sums, fsum for floats)."""
    m = spec.model
    pk = np.atleast_2d(np.asarray(packages, dtype=np.int64))
    ts = sorted(tallies, key=lambda t: t.block)
    n = sum(t.n for t in ts)
    n_k, n_p = pk.shape[0], m.n_parties
    acc = sum((t.accept for t in ts), np.zeros((n_k, n_p), dtype=np.int64))
    alla = sum((t.all_accept for t in ts), np.zeros(n_k, dtype=np.int64))
    binds = sum((t.binds for t in ts), np.zeros((n_k, n_p), dtype=np.int64))
    width = ts[0].patterns.shape[1] if ts else 0
    pats = sum((t.patterns for t in ts), np.zeros((n_k, width), dtype=np.int64))
    hist = sum((t.hist for t in ts), np.zeros((n_k, n_p, NBINS), dtype=np.int64))
    n_r = len(m.red_lines)
    agree = sum((t.agreement for t in ts if t.agreement is not None),
                np.zeros(n_k, dtype=np.int64))
    real = sum((t.real for t in ts if t.real is not None), np.zeros(n_r, dtype=np.int64))
    decides = sum((t.decides for t in ts if t.decides is not None),
                  np.zeros((n_k, n_r), dtype=np.int64))
    unc = spec.uncertain_red_lines()
    crossed = m.crossed(pk)
    viol = m.violations(pk)  # (K, P, I)
    stated_acc = stated_accepts(spec, pk)
    stated_u = m.utilities(pk).reshape(n_k, n_p)
    outcomes = []
    for k in range(n_k):
        mean, sd = {}, {}
        for p, pid in enumerate(m.party_ids):
            s1 = math.fsum(float(t.usum[k, p]) for t in ts)
            s2 = math.fsum(float(t.usq[k, p]) for t in ts)
            mu = s1 / n if n else float("nan")
            mean[pid] = mu
            sd[pid] = math.sqrt(max(s2 / n - mu * mu, 0.0)) if n else float("nan")
        pattern_names = {}
        for code in range(width):
            name = "+".join(pid for p, pid in enumerate(m.party_ids) if code >> p & 1) or "none"
            pattern_names[name] = int(pats[k, code])
        outcomes.append(PackageOutcome(
            label=labels[k], package=pk[k], choices=m.decode(pk[k]), samples=n,
            accept={pid: int(acc[k, p]) for p, pid in enumerate(m.party_ids)},
            all_accept=int(alla[k]),
            binds={pid: int(binds[k, p]) for p, pid in enumerate(m.party_ids)},
            red_lines={pid: [m.issue_ids[i] for i in np.flatnonzero(viol[k, p])]
                       for p, pid in enumerate(m.party_ids)},
            patterns=pattern_names, hist=hist[k], mean=mean, sd=sd,
            stated_accepts={pid: bool(stated_acc[k, p]) for p, pid in enumerate(m.party_ids)},
            stated_utility={pid: float(stated_u[k, p]) for p, pid in enumerate(m.party_ids)},
            agreement=int(agree[k]),
            violates=m.violated_constraints(pk[k]),
            uncertain_red_lines={
                m.red_lines.ids[r]: {"owner": m.red_lines.owner[r],
                                     "probability": float(m.red_lines.probability[r]),
                                     "crossed": bool(crossed[k, r]), "real": int(real[r]),
                                     "decides": int(decides[k, r])} for r in unc},
        ))
    assumptions = [spec.assumption(p, s).label for p in range(n_p) for s in spec.slots(p, pk)]
    rl_slots = spec.red_line_slots()
    assumptions += [spec.assumption(m.party_ids.index(m.red_lines.owner[r]),
                                    int(rl_slots[r])).label for r in unc]
    return MonteCarloResult(m.scenario_id, seed, requested, n, len(ts), partial, outcomes,
                            assumptions)
