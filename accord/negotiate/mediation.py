"""A mediator that drafts near the Nash package from what parties can tell it: critiques of a
draft and pairwise comparisons of texts, never their utilities.

Method: the single negotiating text (Raiffa 1982, The Art and Science of Negotiation, ch. 14)
driven by polyhedral adaptive question design (Toubia, Simester, Hauser and Dahan 2003, "Fast
polyhedral adaptive conjoint estimation", Marketing Science 22; Toubia, Hauser and Simester
2004, "Polyhedral methods for adaptive choice-based conjoint analysis", J. Marketing Research
41). For an additive party (Keeney and Raiffa 1976) with option values w, the answer "A is
better than B" is the linear constraint w . (phi(A) - phi(B)) > 0 on its option indicators
phi; the values consistent with every answer form a polytope. The Nash (1950) package is
invariant to a positive affine rescaling of each party's utility together with its
disagreement point, so ordinal answers to well-chosen pairs identify what it needs.

Steps:
1. Blank text: each party names, for every issue, the option it prefers, most important
   issue first (its first critique): the ideal option bounds every other option's value. The
   opening draft gives the issues out in turn, each party taking its most important remaining
   issue at its preferred option (strict alternation, Brams and Taylor 1996), on options
   nobody has declared a red line on (the nearest valid text if a public constraint objects).
2. Each adopted draft is critiqued: accept, change (below the party's walk-away) or veto,
   with the issues it most wants changed (largest gains first) and its preferred option on
   each. A critique is cheap data: the named gains are ordered and exceed every unnamed one.
3. Each round, per party: the polytope of value vectors (0 <= w <= 1, the ideal package worth
   1) consistent with every answer; its Chebyshev centre (a linear program on HiGHS) is the
   estimate; hit-and-run samples (Smith 1984) and the ends of its long axes (each issue's swing
   largest and smallest) measure what is still unknown. The walk-away is estimated from the
   drafts the party accepted and refused (the worst package while it refused none).
4. The Nash package of the centre estimates and of a few sampled estimates is solved exactly
   by `accord.solve`. The contenders are the texts (these, and the one- and two-issue changes
   of the estimated Nash package) that some sample rates within 2% of its best Nash product.
5. Minimax regret (Boutilier, Patrascu, Poupart and Schuurmans 2006, "Constraint-based
   optimization and utility elicitation using the minimax decision criterion", Artificial
   Intelligence 170): for each rival text, the largest factor by which its Nash product may
   exceed the estimated Nash package's over every value vector consistent with the answers.
   Per party this is a linear-fractional program (gain of the rival over gain of the
   estimate), one LP by the Charnes and Cooper (1962) transformation, on the polytope shrunk
   to half the centre's margin (its closure lets strict answers become ties and gains
   vanish). Rivals are screened on the samples, the few worst bounded exactly, then the Nash
   package of the values that favour the worst rival is tried (alternating search); before
   the mediator trusts a small regret it bounds every rival, including every one-issue change.
6. Questions: to each party, first those whose answers best split what decides between the
   estimate and its worst rival (the log of its gain ratio, over its samples and both ends of
   the LP), among texts that mix the two with the parties' ideals and other options, so the
   rest of the text serves as a ruler; then pairs of texts near the estimate whose answer
   splits its samples most evenly (cuts through the centre of its polytope along the
   directions that decide the Nash package). One comparison is one party judging one text
   against another.
   Walk-aways: from round 2, one trial text a round per party (`probes` in all) is put to
   critique, halving the range between the best text it refused (its worst package if none)
   and the worst it accepted; a critique says accept, or change when a text is below the
   walk-away. Ordinal answers alone cannot place a walk-away.
7. When the estimated Nash package differs from the draft, every party compares the two. It
   becomes the draft when nobody vetoes and, refitted on the votes, the estimated Nash product
   rises, even when some party finds it worse (the trace says who and by what factor the
   product rose): a draft on the frontier reaches the Nash package only that way.
8. It stops when for `patience` rounds every sample agrees on the Nash package, no rival may
   beat it by more than 2% (`RATIO`), and it is the draft (or no question is left, or every
   party has answered `budget` questions), and returns to the best text seen by its final
   estimates.
9. Raiffa's distinction: critiques and comparisons until the last draft, then each party says
   yes or no once on the final text.

The mediator reaches the parties only through a `Delegation`, whose public surface is the
domain's names, the declared red lines, the public constraints, critiques, comparisons and the
final vote. It never proposes or asks about a text crossing a declared red line or breaking a
constraint. An interested mediator (a party that drafts) drafts the same way: its own utility
is reported, never used.

Limits: ordinal answers cannot say where a walk-away lies below the worst package, so while a
party accepts every text put to it the worst package stands for it; where the true
disagreement point sits far below it (anac2011-NiceOrDie: every option is worth at least 0.16
to both, on one issue, so no answer carries cardinal information) the estimated Nash package
differs from the true one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from accord.model.compiled import (
    BoolArray,
    CompiledModel,
    Constraints,
    FloatArray,
    IntArray,
    RedLines,
    no_constraints,
)

WISHES = 3
"""How many issues a party names in a critique of a draft."""

FOCUS = 0.25
"""Priority (in share of samples split) of a question between two Nash contenders."""

THIN, BURN = 8, 50
"""Hit-and-run steps between samples, and before the first."""

RATIO = 1.0 / 0.98
"""The mediator keeps asking while some rival text may have a Nash product more than this
factor above its estimated Nash package's, for answers consistent with everything said."""

INNER = 0.05
"""Regret is bounded over the answers holding with this share of the centre's margin: the
closure of the polytope lets strict answers become ties and gains vanish, while a larger
share would exclude true values whose differences are small."""

NAMES = {1: "better", 0: "same", -1: "worse", -2: "veto"}


@dataclass(frozen=True)
class Critique:
    """One party's reaction to a draft (or, with `draft` None, to a blank text)."""

    party: str
    verdict: str
    """accept, change (below its walk-away), veto (crosses its red line), or blank."""
    objections: tuple[int, ...]
    """Issues vetoed (red lines) or, for change, the issues it most wants changed."""
    wishes: tuple[tuple[int, int], ...]
    """(issue, preferred option) for the issues it most wants changed, largest gain first."""


class Delegation:
    """The parties as a mediator reaches them: critiques, comparisons and one final vote.

    Built by `delegation(model)`: the model lives only in the closures of the three
    questions, so no attribute of a Delegation leads to utilities. It counts every
    comparison (one party judging one candidate against the draft) and every critique."""

    __slots__ = ("_ask", "comparisons", "constraints", "critiques", "issue_ids", "n_options",
                 "party_ids", "raw_options", "red_lines")

    def __init__(self, party_ids: Sequence[str], issue_ids: Sequence[str],
                 raw_options: Sequence[Sequence[Any]], red_lines: BoolArray,
                 ask: Callable[[str, Any, Any], Any],
                 constraints: Constraints | None = None) -> None:
        self.party_ids = tuple(party_ids)
        self.issue_ids = tuple(issue_ids)
        self.raw_options = tuple(tuple(o) for o in raw_options)
        self.n_options = np.array([len(o) for o in raw_options], dtype=np.int64)
        self.red_lines = red_lines
        """(P, I, O) options each party has declared it will not accept (declared
        positions, public); padding beyond an issue's options is marked too."""
        self.constraints = constraints if constraints is not None else no_constraints(
            len(issue_ids), red_lines.shape[2])
        """The domain's forbidden option combinations (public, like the issues)."""
        self._ask = ask
        self.comparisons = np.zeros(len(party_ids), dtype=np.int64)
        self.critiques = 0

    @property
    def n_parties(self) -> int:
        return len(self.party_ids)

    @property
    def n_issues(self) -> int:
        return len(self.issue_ids)

    def critique(self, draft: IntArray | None, k: int = WISHES) -> list[Critique]:
        """Every party's critique of the draft; of a blank text (draft None) each names every
        issue, most important first, with its preferred option."""
        self.critiques += 1
        out: list[Critique] = self._ask("critique", draft, k)
        return out

    def compare(self, draft: IntArray, candidates: IntArray,
                who: Sequence[int] | None = None) -> IntArray:
        """(N, P) votes on candidates against the draft (any text: "which of two drafts do
        you prefer"): 1 better, 0 same, -1 worse, -2 veto. With `who`, only those parties
        are asked (and counted); the columns are theirs, in that order."""
        cand = np.asarray(candidates, dtype=np.int64).reshape(-1, self.n_issues)
        out: IntArray = self._ask("compare", draft, cand)
        if who is None:
            self.comparisons += cand.shape[0]
            return out
        idx = np.asarray(who, dtype=np.int64)
        self.comparisons[idx] += cand.shape[0]
        return np.asarray(out[:, idx])

    def valid(self, packages: IntArray) -> BoolArray:
        """(N,) True where the package contains no forbidden combination (public)."""
        x = np.asarray(packages, dtype=np.int64).reshape(-1, self.n_issues)
        if not len(self.constraints):
            return np.ones(x.shape[0], dtype=bool)
        return np.asarray(~self.constraints.violated(x).any(axis=1))

    def ratify(self, text: IntArray, factor: FloatArray) -> BoolArray:
        """The final yes or no of every party on the text, its utility discounted by
        `factor` (P,): yes when within its red lines and at least its walk-away."""
        out: BoolArray = self._ask("ratify", text, factor)
        return out


def delegation(model: CompiledModel) -> Delegation:
    """The parties of a compiled model, answering honestly."""
    n_i = model.n_issues
    probe = np.zeros((n_i * model.padding.shape[1], n_i), dtype=np.int64)
    rows = np.arange(probe.shape[0])
    issue, option = rows // model.padding.shape[1], rows % model.padding.shape[1]
    probe[rows, issue] = option
    red = model.violations(probe)[rows, :, issue]  # (I*O, P): option crosses p's red line
    red_lines = red.T.reshape(model.n_parties, n_i, -1).copy()
    red_lines[:, model.padding] = True
    red_lines.setflags(write=False)

    def ask(question: str, draft: Any, arg: Any) -> Any:
        if question == "critique":
            return [_critique(model, p, draft, arg) for p in range(model.n_parties)]
        if question == "compare":
            return votes(model, draft, arg)
        u = model.utilities(draft)
        ok: BoolArray = model.within_red_lines(draft)[0] & (u * arg >= model.reservation
                                                            - 1e-12)
        return ok

    return Delegation(model.party_ids, model.issue_ids, model.raw_options, red_lines, ask,
                      model.constraints)


def votes(model: CompiledModel, draft: IntArray, candidates: IntArray) -> IntArray:
    """(N, P) honest votes on candidates against the draft: 1 better, 0 same, -1 worse,
    -2 veto. A party's standing is (fewer red lines crossed, higher utility), in that order."""
    u0 = model.utilities(draft)
    v0 = model.violations(draft)[0].sum(axis=1)  # (P,)
    u = model.utilities(candidates).reshape(-1, model.n_parties)
    v = model.violations(candidates).sum(axis=2)  # (N, P)
    out = np.where(u > u0 + 1e-12, 1, np.where(u < u0 - 1e-12, -1, 0))
    out = np.where(v < v0, 1, np.where(v > v0, -2, out))
    return out.astype(np.int64)


def _critique(model: CompiledModel, p: int, draft: IntArray | None, k: int) -> Critique:
    """Party p's honest critique: its k largest gains from changing one issue of the draft
    (every issue, ranked by how much it can gain on it, for a blank text)."""
    cols = np.arange(model.n_issues)
    crossed = model.violations(np.zeros(model.n_issues, dtype=np.int64) if draft is None
                               else draft)[0, p]
    own = np.where(_own_red(model, p), -np.inf, model.table[p])
    best = own.max(axis=1)
    if draft is None:
        low = np.where(model.padding, np.inf, model.table[p]).min(axis=1)
        gain = best - low
        order = [int(i) for i in np.argsort(-gain, kind="stable")]
        return Critique(model.party_ids[p], "blank", (),
                        tuple((i, int(np.argmax(own[i]))) for i in order))
    gain = best - model.table[p][cols, draft]
    order = [int(i) for i in np.argsort(-gain, kind="stable") if gain[i] > 1e-12][:k]
    wishes = tuple((i, int(np.argmax(own[i]))) for i in order)
    if crossed.any():
        return Critique(model.party_ids[p], "veto", tuple(int(i) for i in
                                                          np.flatnonzero(crossed)), wishes)
    if float(model.utilities(draft)[p]) < model.reservation[p] - 1e-12:
        return Critique(model.party_ids[p], "change", tuple(order), wishes)
    return Critique(model.party_ids[p], "accept", (), wishes)


def _own_red(model: CompiledModel, p: int) -> BoolArray:
    """(I, O) options crossing party p's red lines (padding included), via the model."""
    n_i, n_o = model.padding.shape
    probe = np.zeros((n_i * n_o, n_i), dtype=np.int64)
    rows = np.arange(n_i * n_o)
    probe[rows, rows // n_o] = rows % n_o
    red = model.violations(probe)[rows, p, rows // n_o].reshape(n_i, n_o)
    return np.asarray(red | model.padding)


# --- the estimate of one party -----------------------------------------------------------------


@dataclass
class Estimate:
    """What the mediator has learnt about one party: linear constraints on its option values
    w (one per (issue, option), the flat layout), and the drafts it accepted or refused. The
    values consistent with every answer form a polytope (0 <= w <= 1, the ideal package
    worth 1); the estimate is its Chebyshev centre, and samples of it measure what is still
    unknown."""

    n_features: int
    ideal_cols: IntArray
    strict: list[FloatArray] = field(default_factory=list)
    """rows a with a . w > 0 (a strict preference)."""
    weak: list[FloatArray] = field(default_factory=list)
    """rows a with a . w >= 0 (a preference that may be a tie)."""
    equal: list[FloatArray] = field(default_factory=list)
    """rows a with a . w = 0 (the party said same)."""
    accepted: list[IntArray] = field(default_factory=list)
    refused: list[IntArray] = field(default_factory=list)
    w: FloatArray | None = None
    radius: float = 0.0
    """The centre's common margin: every answer holds at least this far from its cut."""
    _ext: FloatArray | None = None
    _ext_at: int = 0
    _at: tuple[int, int, int] = (-1, -1, -1)
    """How many answers the centre was fitted on: refit only on new answers."""

    def _equalities(self) -> tuple[FloatArray, FloatArray]:
        f = self.n_features
        norm = np.zeros(f)
        norm[self.ideal_cols] = 1.0
        m = np.array([*self.equal, norm])
        b = np.zeros(len(m))
        b[-1] = 1.0
        return m, b

    def fit(self) -> FloatArray:
        """The Chebyshev centre of the polytope: every answer holds with the largest common
        margin (soft, should rounding make the answers look inconsistent)."""
        at = (len(self.strict), len(self.weak), len(self.equal))
        if self.w is not None and at == self._at:
            return self.w
        self._at = at
        res = self._centre(weak_margin=True)
        if res is not None and res[1] < 1e-7:
            # ties among the weak rows (gains a critique ranks may be equal) flatten the
            # common margin to 0: then only the strict answers get one
            res = self._centre(weak_margin=False)
        if res is None:
            if self.w is None:
                self.w = np.zeros(self.n_features)
                self.w[self.ideal_cols] = 1.0 / len(self.ideal_cols)
            return self.w
        self.w, self.radius = res
        return self.w

    def _centre(self, weak_margin: bool) -> tuple[FloatArray, float] | None:
        f = self.n_features
        rows = [*self.strict, *self.weak]
        n_r = len(rows)
        n_var = f + 1 + n_r  # w, margin t, slacks
        c = np.zeros(n_var)
        c[f] = -1.0
        c[f + 1:] = 4.0
        a_ub = np.zeros((n_r + f, n_var))
        n_strict = len(self.strict)
        for k, a in enumerate(rows):  # t |a| - a.w - xi <= 0
            a_ub[k, :f] = -a
            a_ub[k, f] = (float(np.linalg.norm(a)) or 1.0) if weak_margin or k < n_strict \
                else 0.0
            a_ub[k, f + 1 + k] = -1.0
        a_ub[n_r:, :f] = -np.eye(f)  # t - w <= 0 (w <= 1 never binds: the ideal is worth 1)
        a_ub[n_r:, f] = 1.0
        b_ub = np.zeros(n_r + f)
        m, b = self._equalities()
        a_eq = np.hstack([m, np.zeros((len(m), 1 + n_r))])
        bounds = [(0.0, 1.0)] * f + [(None, 1.0)] + [(0.0, None)] * n_r
        res = linprog(c, A_ub=csr_matrix(a_ub), b_ub=b_ub, A_eq=csr_matrix(a_eq), b_eq=b,
                      bounds=bounds, method="highs")
        if res.status != 0 or res.x is None:
            return None
        return np.asarray(res.x[:f], dtype=np.float64), max(float(res.x[f]), 0.0)

    def ratio(self, num: IntArray, den: IntArray, offsets: IntArray,
              worst: IntArray, inner: float = INNER) -> tuple[float, FloatArray | None]:
        """The largest gain(num) / gain(den) over values consistent with every answer, and
        the values that attain it (`ratios` for one numerator)."""
        return self.ratios([num], den, offsets, worst, inner)[0]

    def ratios(self, nums: Sequence[IntArray], den: IntArray, offsets: IntArray,
               worst: IntArray, inner: float = INNER) -> list[tuple[float, FloatArray | None]]:
        """For each numerator, the largest gain(num) / gain(den) over values consistent with
        every answer, and the values that attain it: a linear-fractional program, solved as
        one LP by the Charnes and Cooper (1962) transformation; the numerators change only
        its objective, so one HiGHS model serves them all, each solve warm-started from the
        last basis. The gain is the value over the walk-away, itself a variable between the
        drafts refused and accepted, or the worst package (the columns `worst`, the centre's
        least option per issue) while none was refused. The polytope is shrunk to the
        answers holding with `inner` times the centre's margin: its closure lets strict
        preferences become ties, and with them any gain vanish. inf when den's gain may
        still vanish."""
        import highspy

        from accord.solve.milp import highs_lp

        f = self.n_features
        n = f + 2  # w', d', t
        if self.w is None:
            self.fit()
        m = inner * self.radius
        ans = np.array([*self.strict, *self.weak]).reshape(-1, f)
        norm = np.linalg.norm(ans, axis=1)
        block = np.zeros((ans.shape[0], n))  # A y <= 0
        block[:, :f] = -ans
        block[: len(self.strict), n - 1] = m * np.where(norm > 0, norm, 1.0)[: len(self.strict)]
        ub_rows: list[FloatArray] = [block]
        cap = np.zeros((f, n))
        cap[:, :f] = np.eye(f)
        cap[:, n - 1] = -1.0  # w <= 1
        ub_rows.append(cap)
        eq_rows: list[FloatArray] = [np.hstack([a, [0.0, 0.0]]) for a in self.equal]
        beq = [0.0] * len(eq_rows)
        r = np.zeros(n)
        r[self.ideal_cols] = 1.0
        r[n - 1] = -1.0  # the ideal package is worth 1
        eq_rows.append(r)
        beq.append(0.0)
        if self.refused:
            for x in self.refused:  # value(x) <= d
                r = np.zeros(n)
                r[offsets[:-1] + x] = 1.0
                r[f] = -1.0
                ub_rows.append(r[None])
            for x in self.accepted:  # value(x) >= d
                r = np.zeros(n)
                r[offsets[:-1] + x] = -1.0
                r[f] = 1.0
                ub_rows.append(r[None])
        else:
            r = np.zeros(n)
            r[worst] = -1.0
            r[f] = 1.0
            eq_rows.append(r)
            beq.append(0.0)
        r = np.zeros(n)
        r[offsets[:-1] + den] = 1.0
        r[f] = -1.0
        eq_rows.append(r)
        beq.append(1.0)  # gain(den) scaled to 1
        a_ub = np.vstack(ub_rows)
        a_eq = np.array(eq_rows)
        lp = highs_lp(np.zeros(n), csr_matrix(np.vstack([a_ub, a_eq])), np.zeros(n),
                      np.full(n, np.inf),
                      np.concatenate([np.full(a_ub.shape[0], -np.inf), beq]),
                      np.concatenate([np.zeros(a_ub.shape[0]), beq]), maximize=True)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(lp)
        idx = np.arange(n, dtype=np.int32)
        out: list[tuple[float, FloatArray | None]] = []
        for num in nums:
            c = np.zeros(n)
            c[offsets[:-1] + np.asarray(num)] = 1.0
            c[f] = -1.0
            h.changeColsCost(n, idx, c)
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                out.append((np.inf, None))
                continue
            x = np.asarray(h.getSolution().col_value, dtype=np.float64)
            t = float(x[n - 1])
            if t <= 1e-12:
                out.append((np.inf, None))
                continue
            out.append((float(c @ x), x[:f] / t))
        return out

    def extremes(self, offsets: IntArray, every: int = 12) -> FloatArray:
        """(2I, f) the polytope's points with each issue's swing (ideal against the centre's
        worst option) largest and smallest, pulled a tenth toward the centre: the ends of its
        long axes, which uniform samples rarely reach (Toubia et al. 2003 cut along them).
        Recomputed after `every` new answers; in between, those still consistent."""
        f = self.n_features
        rows_now = len(self.strict) + len(self.weak) + len(self.equal)
        if self._ext is not None and rows_now - self._ext_at < every:
            keep = np.ones(self._ext.shape[0], dtype=bool)
            for a in (*self.strict, *self.weak):
                keep &= self._ext @ a >= -1e-12
            return self._ext[keep]
        self._ext_at = rows_now
        c = self.fit() if self.w is None else self.w
        rows = [*self.strict, *self.weak]
        a_ub = -np.array(rows).reshape(-1, f) if rows else None
        b_ub = np.zeros(len(rows)) if rows else None
        m, b = self._equalities()
        out = []
        for i in range(len(offsets) - 1):
            lo, hi = int(offsets[i]), int(offsets[i + 1])
            worst = lo + int(np.argmin(c[lo:hi]))
            best = int(self.ideal_cols[i])
            if worst == best:
                continue
            for sign in (1.0, -1.0):
                obj = np.zeros(f)
                obj[best], obj[worst] = -sign, sign
                res = linprog(obj, A_ub=a_ub, b_ub=b_ub, A_eq=m, b_eq=b,
                              bounds=[(0.0, 1.0)] * f, method="highs")
                if res.status == 0 and res.x is not None:
                    out.append(0.9 * np.asarray(res.x) + 0.1 * c)
        self._ext = np.array(out).reshape(-1, f)
        return self._ext

    def sample(self, n: int, rng: np.random.Generator, thin: int = THIN,
               burn: int = BURN, start: FloatArray | None = None) -> FloatArray:
        """(n, f) value vectors drawn by hit-and-run (Smith 1984) from the polytope, started
        at the centre (or `start`): the answers that split them evenly are the informative
        questions."""
        f = self.n_features
        if start is not None:
            x = np.asarray(start, dtype=np.float64).copy()
        else:
            x = self.fit().copy() if self.w is None else self.w.copy()
        m, _ = self._equalities()
        _, s, vt = np.linalg.svd(m, full_matrices=True)
        rank = int((s > 1e-9 * max(1.0, float(s.max(initial=0.0)))).sum())
        z = vt[rank:].T  # (f, k): directions that keep the equalities
        if z.shape[1] == 0:
            return np.repeat(x[None], n, axis=0)
        rows = [*self.strict, *self.weak]
        g = np.vstack([np.array(rows).reshape(-1, f), np.eye(f), -np.eye(f)])
        h = np.concatenate([np.zeros(len(rows)), np.zeros(f), -np.ones(f)])
        out = np.empty((n, f))
        k = 0
        for step in range(burn + n * thin):
            d = z @ rng.standard_normal(z.shape[1])
            gd = g @ d
            slack = np.maximum(g @ x - h, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                lim = -slack / gd
            lo = float(lim[gd > 1e-12].max(initial=-np.inf))
            hi = float(lim[gd < -1e-12].min(initial=np.inf))
            if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
                x = x + rng.uniform(lo, hi) * d
            if step >= burn and (step - burn) % thin == thin - 1:
                out[k] = x
                k += 1
        return out


# --- the mediator ---------------------------------------------------------------------------------


@dataclass
class Step:
    """One event of the mediation, for the trace."""

    event: str
    draft: IntArray | None = None
    old: IntArray | None = None
    critiques: list[Critique] | None = None
    vote: IntArray | None = None
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class NashMediator:
    """Elicit, estimate, propose the estimated Nash package, compare, refit (module doc)."""

    name: ClassVar[str] = "nash"

    def __init__(self, samples: int = 24, questions: int = 6, budget: int = 180,
                 patience: int = 3, solves: int = 4, threshold: float = 0.1,
                 pairs_from: int = 150, rivals: int = 12, probes: int = 8,
                 probe_round: int = 2) -> None:
        self.probes = probes
        """Critiques of trial texts per party that look for its walk-away (_probe), one a
        round."""
        self.probe_round = probe_round
        """The first round with one, once the estimates have some shape."""
        self.rivals = rivals
        """Contenders (besides the sampled Nash packages) whose regret is bounded exactly."""
        self.pairs_from = pairs_from
        """Two-issue changes of the estimated Nash package questions may use, at most."""
        self.samples = samples
        """Hit-and-run samples of each party's polytope per round."""
        self.questions = questions
        """Pairwise questions per party per round, at most."""
        self.budget = budget
        """Comparisons per party after which the mediator asks that party no more questions
        (the final check of the draft excepted)."""
        self.patience = patience
        """Rounds the estimated Nash package must stay the draft, every sample agreeing,
        before the mediator stops."""
        self.solves = solves
        """Samples (one per party, jointly) whose Nash package is solved each round."""
        self.threshold = threshold
        """A question is asked only when at least this share of the samples disagrees with
        the rest on its answer."""

    def run(self, parties: Delegation, rounds: int, rng: np.random.Generator,
            start: IntArray | None = None) -> tuple[IntArray, list[Step], str]:
        """Mediate; returns the final text, the steps and why it stopped."""
        n_p, n_i = parties.n_parties, parties.n_issues
        n_opt = parties.n_options
        offsets = np.concatenate([[0], np.cumsum(n_opt)]).astype(np.int64)
        f = int(offsets[-1])
        red_any: BoolArray = np.asarray(parties.red_lines.any(axis=0))  # (I, O)
        steps: list[Step] = []

        def onehot(x: IntArray) -> FloatArray:
            v = np.zeros(f)
            v[offsets[:-1] + x] = 1.0
            return v

        def col(i: int, o: int) -> int:
            return int(offsets[i] + o)

        # 1. blank text: ideals and priorities; the opening draft by strict alternation
        blank = parties.critique(None)
        ideal = np.array([[dict(c.wishes)[i] for i in range(n_i)] for c in blank])  # (P, I)
        est = [Estimate(f, np.array([col(i, int(ideal[p, i])) for i in range(n_i)]))
               for p in range(n_p)]
        for p in range(n_p):
            for i in range(n_i):
                b = int(ideal[p, i])
                for o in range(int(n_opt[i])):
                    if o != b and not parties.red_lines[p, i, o]:
                        a = np.zeros(f)
                        a[col(i, b)], a[col(i, o)] = 1.0, -1.0
                        est[p].weak.append(a)
        if start is not None:
            draft = np.asarray(start, dtype=np.int64).copy()
            how = "opening (the given plan)"
        else:
            draft = self._opening(blank, ideal, red_any, n_opt, rng, parties)
            if not parties.valid(draft)[0]:  # a public constraint: the nearest valid text
                one, two = self._variants(draft, parties, red_any)
                fix = np.concatenate([one, two])
                if fix.shape[0]:
                    draft = fix[0].copy()
            how = "opening (issues given out in turn from the parties' first critiques)"
        crit = parties.critique(draft)
        self._learn_critique(est, crit, draft, n_opt, col)
        steps.append(Step("opening", draft=draft.copy(), critiques=crit, note=how))

        def learn(p: int, ref: IntArray, other: IntArray, got: int) -> None:
            diff = onehot(other) - onehot(ref)
            if got == 1:
                est[p].strict.append(diff)
            elif got == -1:
                est[p].strict.append(-diff)
            elif got == 0:
                est[p].equal.append(diff)

        asked: set[bytes] = set()  # (party, a, b) questions already put
        pool = [draft.copy()]  # packages whose Nash product is tracked
        seen = [draft.copy()]
        calm = 0
        left = np.full(n_p, self.probes, dtype=np.int64)  # trial texts per party
        tried: set[bytes] = set()
        watch: list[IntArray] = []  # every round's worst rival
        regret = np.inf
        reason = "deadline"
        for rnd in range(1, rounds + 1):
            w = [e.fit() for e in est]
            if rnd >= self.probe_round and left.any():
                self._probe(parties, est, w, offsets, n_opt, red_any, col, rng, left, tried)
                w = [e.fit() for e in est]
            d = self._walkaways(est, w, n_opt, offsets)
            nash = self._nash(parties, w, d, offsets)
            smp = [np.concatenate([e.sample(self.samples, rng), e.extremes(offsets)])
                   for e in est]  # P x (S, f): uniform samples and the long axes' ends
            n_s = max(x.shape[0] for x in smp)  # as many for each party, in a random order
            smp = [np.concatenate([x, x[rng.integers(x.shape[0], size=n_s - x.shape[0])]])
                   [rng.permutation(n_s)] for x in smp]
            found = [nash] if nash is not None else []
            for _ in range(self.solves):
                wk = [s[int(rng.integers(s.shape[0]))] for s in smp]
                x = self._nash(parties, wk, self._walkaways(est, wk, n_opt, offsets), offsets)
                if x is not None:
                    found.append(x)
            for x in found:
                if not any((x == y).all() for y in pool):
                    pool.append(x.copy())
            # which packages some sample rates (near) best: the Nash uncertainty, over the
            # pool and the one- and two-issue changes of the estimated Nash package
            centre = nash if nash is not None else draft
            one, two = self._variants(centre, parties, red_any)
            pk = np.unique(np.concatenate([np.stack(pool), one, two]), axis=0)
            top = self._contenders(pk, smp, est, n_opt, offsets)
            settled = nash is not None and {int(k) for k in top} <= {_index(pk, nash)}
            # the rival that may beat the estimated Nash package by the largest factor, for
            # values consistent with every answer, and each party's values at both ends
            regret, rival = 1.0, None
            ends: list[tuple[FloatArray, FloatArray] | None] = []
            if nash is not None:
                near, _ = self._variants(nash, parties, red_any)
                rivals = [*watch[-8:], *found[1:], *pool, *pk[top[:16]], *near]
                regret, rival, ends = self._rival(parties, est, w, d, nash, rivals, smp,
                                                  offsets, n_opt, forced=len(watch[-8:]))
                if regret <= RATIO:  # before trusting it, bound every rival
                    regret, rival, ends = self._rival(parties, est, w, d, nash, rivals, smp,
                                                      offsets, n_opt, every=True)
                if rival is not None and not any((rival == y).all() for y in watch):
                    watch.append(rival.copy())  # the worst rivals so far stay bounded
            settled = settled and regret <= RATIO
            # 2. questions: for each party, one that cuts its values between the two ends,
            # then the pairs its samples disagree on most
            cand = self._candidates(pk[top], centre, one, two, rng)
            hot = np.array([any((c == t).all() for t in pk[top[:16]]) for c in cand])
            put = 0
            for p in range(n_p):
                if parties.comparisons[p] >= self.budget:
                    continue
                chosen = []
                if rival is not None and nash is not None:
                    chosen = self._bisect(nash, rival, ends[p], smp[p], est[p], ideal,
                                          parties, red_any, p, asked, offsets, n_opt, rng)
                chosen += self._choose(cand, hot, smp[p], p, asked, offsets)[
                    : self.questions - len(chosen)]
                for a_, b_ in chosen:
                    v = parties.compare(a_, b_[None], who=[p])
                    asked.add(_key(p, a_, b_))
                    asked.add(_key(p, b_, a_))
                    learn(p, a_, b_, int(v[0, 0]))
                    put += 1
            # 3. the draft: move to the estimated Nash package when the votes allow it
            w = [e.fit() for e in est]
            d = self._walkaways(est, w, n_opt, offsets)
            nash = self._nash(parties, w, d, offsets)
            if nash is not None and (nash != draft).any():
                calm = 0
                v = parties.compare(draft, nash[None])
                for p in range(n_p):
                    learn(p, draft, nash, int(v[0, p]))
                if not any((nash == y).all() for y in pool):
                    pool.append(nash.copy())
                w = [e.fit() for e in est]
                d = self._walkaways(est, w, n_opt, offsets)
                old_score = _log_nash(draft, w, d, offsets)
                new_score = _log_nash(nash, w, d, offsets)
                if (v == -2).any() or new_score <= old_score + 1e-12:
                    steps.append(Step("declined", draft=draft.copy(), vote=v[0],
                                      note="the refitted estimates no longer favour it"))
                    continue
                worse = [parties.party_ids[p] for p in range(n_p) if v[0, p] < 0]
                them = ", ".join(worse) + (" finds" if len(worse) == 1 else " find")
                note = ("nobody finds it worse" if not worse else
                        f"{them} it worse, adopted because the estimated Nash product rises "
                        f"by a factor {np.exp(new_score - old_score):.3f}"
                        if np.isfinite(old_score) else
                        f"{them} it worse, adopted because it gives every party an estimated "
                        "gain over its walk-away")
                crit = parties.critique(nash)
                self._learn_critique(est, crit, nash, n_opt, col)
                steps.append(Step("revision", draft=nash.copy(), old=draft.copy(),
                                  critiques=crit, vote=v[0], note=note, data={"round": rnd}))
                draft = nash.copy()
                seen.append(draft.copy())
                continue
            calm = calm + 1 if settled or put == 0 else 0
            if calm >= self.patience:
                reason = "estimates and votes agree"
                break
        # Return to the best text seen by the final estimates, if the draft is not it; while
        # some rival may still beat the draft by more than 2%, to the text whose largest
        # regret over the drafts and worst rivals is least (minimax regret, Boutilier et al.)
        w = [e.fit() for e in est]
        d = self._walkaways(est, w, n_opt, offsets)
        scores = _log_nash(np.stack(seen), w, d, offsets)
        k = int(np.argmax(scores))
        target, why = seen[k], ("back to an earlier draft: the best text seen by the final "
                                "estimates of the Nash product")
        if regret > RATIO:
            texts = list({x.tobytes(): x for x in [draft, *seen, *watch]}.values())
            low = [np.array([int(offsets[i]) + int(np.argmin(wp[offsets[i]:offsets[i + 1]]))
                             for i in range(len(n_opt))]) for wp in w]
            worst_regret = np.ones(len(texts))
            for j_, x_ in enumerate(texts):
                per = np.array([[q for q, _ in e.ratios(texts, x_, offsets, low[q_])]
                                for q_, e in enumerate(est)])  # (P, texts)
                with np.errstate(invalid="ignore"):  # an unbounded ratio outweighs a zero
                    r_ = np.where(np.isinf(per).any(axis=0), np.inf, per.prod(axis=0))
                worst_regret[j_] = float(r_.max())
            best_k = int(np.argmin(worst_regret))
            if worst_regret[best_k] < worst_regret[0] - 1e-9:
                target = texts[best_k]
                why = (f"the text no rival may beat by more than a factor "
                       f"{worst_regret[best_k]:.3f} in Nash product, for every answer given "
                       f"(minimax regret; the draft: {worst_regret[0]:.3f})")
            else:
                target = draft
        if (target != draft).any() and (
                regret > RATIO or scores[k] > _log_nash(draft, w, d, offsets) + 1e-12):
            v = parties.compare(draft, target[None])
            if not (v == -2).any():
                crit = parties.critique(target)
                steps.append(Step("revision", draft=target.copy(), old=draft.copy(),
                                  critiques=crit, vote=v[0], data={"round": rounds},
                                  note=why + "".join(
                                      f"; {parties.party_ids[p]} finds it worse"
                                      for p in range(n_p) if v[0, p] < 0)))
                draft = target.copy()
        return draft, steps, reason

    # --- pieces ---------------------------------------------------------------------------
    @staticmethod
    def _contenders(pk: IntArray, smp: list[FloatArray], est: list[Estimate],
                    n_opt: IntArray, offsets: IntArray) -> list[int]:
        """Packages that some sample rates within 2% of its best Nash product, those most
        samples name first."""
        n_s = smp[0].shape[0]
        cols = offsets[:-1] + pk  # (N, I)
        logs = np.zeros((n_s, pk.shape[0]))
        for p, s in enumerate(smp):
            u = s[:, cols].sum(axis=2)  # (S, N)
            if est[p].refused:
                dd = np.array([NashMediator._walkaways([est[p]], [s[k]], n_opt, offsets)[0]
                               for k in range(n_s)])
            else:  # the worst package
                dd = sum(s[:, offsets[i]:offsets[i + 1]].min(axis=1)
                         for i in range(len(n_opt)))
            g = u - dd[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                logs += np.where(g > 0, np.log(np.where(g > 0, g, 1.0)), -np.inf)
        best = logs.max(axis=1, keepdims=True)
        near = (logs >= best + np.log(0.98)) & np.isfinite(best)
        count = near.sum(axis=0)
        return [int(k) for k in np.argsort(-count, kind="stable") if count[k] > 0]

    def _rival(self, parties: Delegation, est: list[Estimate], w: list[FloatArray],
               d: FloatArray, x: IntArray, cands: Sequence[IntArray], smp: list[FloatArray],
               offsets: IntArray, n_opt: IntArray, every: bool = False,
               forced: int = 0) -> tuple[float, IntArray | None,
                                         list[tuple[FloatArray, FloatArray] | None]]:
        """The largest factor by which a rival's Nash product may exceed x's (the product over
        parties of each one's largest gain ratio, Estimate.ratio), the rival, and per party
        the values at its two ends. Rivals: the given texts, then (twice) the Nash package of
        the values that favour the best rival most, an alternating search for the maximum
        regret (Boutilier, Patrascu, Poupart and Schuurmans 2006, "Constraint-based
        optimization and utility elicitation using the minimax decision criterion")."""
        worst = [np.array([int(offsets[i]) + int(np.argmin(wp[offsets[i]:offsets[i + 1]]))
                           for i in range(len(n_opt))]) for wp in w]

        def regret_of(y: IntArray) -> tuple[float, list[FloatArray | None]]:
            return regrets([y])[0]

        def regrets(ys: list[IntArray]) -> list[tuple[float, list[FloatArray | None]]]:
            per = [e.ratios(ys, x, offsets, worst[p]) for p, e in enumerate(est)]
            out = []
            for k in range(len(ys)):
                r, hi = 1.0, []
                for p in range(len(est)):
                    q, wh = per[p][k]
                    r *= q
                    hi.append(wh)
                out.append((r, hi))
            return out

        best, best_y, best_hi = 1.0, None, []
        seen = {x.tobytes()}
        queue = list({np.asarray(y, dtype=np.int64).tobytes(): np.asarray(y, dtype=np.int64)
                      for y in cands}.values())  # first occurrences keep their order
        if len(queue) > self.rivals and not every:
            # screened on the samples: the exact bound for the few whose sampled regret is
            # largest
            cols = offsets[:-1]
            ys = np.stack(queue)
            score = np.zeros(len(queue))
            for p, sp in enumerate(smp):
                low = sum(sp[:, offsets[i]:offsets[i + 1]].min(axis=1)
                          for i in range(len(n_opt)))
                dp = low if not est[p].refused else np.full(sp.shape[0], d[p])
                gx = sp[:, cols + x].sum(axis=1) - dp
                gy = sp[:, cols + ys].sum(axis=2) - dp[:, None]
                with np.errstate(divide="ignore", invalid="ignore"):
                    score += (np.log(np.maximum(gy, 1e-9))
                              - np.log(np.maximum(gx, 1e-9))[:, None]).max(axis=0)
            score[:forced] = np.inf  # the earlier worst rivals are bounded every round
            queue = [queue[k] for k in np.argsort(-score, kind="stable")[: self.rivals]]
        todo = []
        for y in queue:
            if y.tobytes() in seen or not parties.valid(y)[0]:
                continue
            seen.add(y.tobytes())
            todo.append(y)
        for y, (r, hi) in zip(todo, regrets(todo) if todo else [], strict=True):
            if r > best:
                best, best_y, best_hi = r, y, hi
        for _ in range(2):
            if best_y is None or any(h is None for h in best_hi):
                break
            hw = [h for h in best_hi if h is not None]
            y2 = self._nash(parties, hw, self._walkaways(est, hw, n_opt, offsets), offsets)
            if y2 is None or y2.tobytes() in seen:
                break
            seen.add(y2.tobytes())
            r, hi = regret_of(y2)
            if r <= best:
                break
            best, best_y, best_hi = r, y2, hi
        if best_y is None:
            return best, None, []
        ends: list[tuple[FloatArray, FloatArray] | None] = []
        for p, e in enumerate(est):
            _, lo = e.ratio(x, best_y, offsets, worst[p])
            hi_p = best_hi[p]
            ends.append(None if lo is None or hi_p is None else (lo, hi_p))
        return best, best_y, ends

    def _probe(self, parties: Delegation, est: list[Estimate], w: list[FloatArray],
               offsets: IntArray, n_opt: IntArray, red_any: BoolArray,
               col: Callable[[int, int], int], rng: np.random.Generator,
               left: IntArray, tried: set[bytes]) -> None:
        """Where each walk-away lies, from critiques of trial texts: for each party with
        probes `left`, one text whose estimated value halves the range between the best text
        it refused (its worst package if none) and the worst it accepted (a critique says
        accept, or change when a text is below the walk-away). Ordinal answers alone cannot
        place a walk-away, and the Nash package depends on it."""
        n_i = parties.n_issues
        n = 2048
        pool = _askable((rng.random((n, n_i)) * parties.n_options[None, :]).astype(np.int64),
                        parties, red_any)
        fresh = np.array([x.tobytes() not in tried for x in pool], dtype=bool)
        pool = pool[fresh] if pool.shape[0] else pool
        if not pool.shape[0]:
            return
        cols = offsets[:-1]
        for p, e in enumerate(est):
            if left[p] <= 0:
                continue
            val = w[p][cols + pool].sum(axis=1)
            worst = sum(float(w[p][offsets[i]:offsets[i + 1]].min()) for i in range(len(n_opt)))
            lo = max((_value(x, w[p], offsets) for x in e.refused), default=worst)
            hi = min((_value(x, w[p], offsets) for x in e.accepted), default=1.0)
            if hi - lo < 0.02 * (1.0 - worst):
                continue
            k = int(np.argmin(np.abs(val - (lo + hi) / 2)))
            text = pool[k]
            tried.add(text.tobytes())
            left[p] -= 1
            crit = parties.critique(text)
            self._learn_critique(est, crit, text, n_opt, col)

    def _bisect(self, x: IntArray, y: IntArray, end: tuple[FloatArray, FloatArray] | None,
                smp: FloatArray, e: Estimate, ideal: IntArray, parties: Delegation,
                red_any: BoolArray, p: int, asked: set[bytes], offsets: IntArray,
                n_opt: IntArray, rng: np.random.Generator,
                k: int = 3) -> list[tuple[IntArray, IntArray]]:
        """Up to k questions to party p whose answers best split what decides between x and
        the rival: the log of its gain ratio, over samples of its values and the two ends
        (largest share of its variance between the answers, each question splitting what the
        ones before left). The texts mix, issue by issue, x, the rival, the parties' ideals
        and other options, so the rest of the text serves as a ruler."""
        n_i = parties.n_issues
        # samples near both ends too: uniform ones rarely reach the corners where the
        # decision turns
        pts = smp if end is None else np.concatenate(
            [smp, np.stack(end), *(e.sample(self.samples // 2, rng, thin=THIN, burn=2, start=z)
                                   for z in end)])
        dd = np.array([self._walkaways([e], [w_], n_opt, offsets)[0] for w_ in pts])
        cols = offsets[:-1]
        gx = pts[:, cols + x].sum(axis=1) - dd
        gy = pts[:, cols + y].sum(axis=1) - dd
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.log(np.maximum(gy, 1e-9)) - np.log(np.maximum(gx, 1e-9))
        if float(h.max() - h.min()) < 1e-4:
            return []
        n = 512
        src = np.stack([x, y, *ideal])  # (2 + P, I)
        pick = rng.integers(src.shape[0] + 1, size=(n, n_i))
        rand = (rng.random((n, n_i)) * parties.n_options[None, :]).astype(np.int64)
        pool = np.where(pick < src.shape[0],
                        src[np.minimum(pick, src.shape[0] - 1), np.arange(n_i)[None, :]], rand)
        pool = _askable(np.concatenate([src[:2], pool]), parties, red_any)
        if pool.shape[0] < 2:
            return []
        ia = rng.integers(pool.shape[0], size=4 * n)
        ib = rng.integers(pool.shape[0], size=4 * n)
        keep = ia != ib
        ia, ib = ia[keep], ib[keep]
        val = pts[:, cols + pool].sum(axis=2)  # (S, N)
        sign = np.round(val[:, ia] - val[:, ib], 10) > 0  # (S, Q)
        chosen: list[tuple[IntArray, IntArray]] = []
        cells = np.zeros(pts.shape[0], dtype=np.int64)
        done = np.array([_key(p, pool[a_], pool[b_]) in asked for a_, b_ in zip(ia, ib,
                                                                                    strict=True)])
        for _ in range(k):
            gain = np.zeros(sign.shape[1])
            for c in np.unique(cells):  # split of each cell, all questions at once
                inside = cells == c
                hc, sc = h[inside], sign[inside]
                n_pos = sc.sum(axis=0)
                n_neg = len(hc) - n_pos
                s_pos = hc @ sc
                s_neg = hc.sum() - s_pos
                with np.errstate(divide="ignore", invalid="ignore"):
                    gain += (np.where(n_pos > 0, s_pos**2 / np.maximum(n_pos, 1), 0.0)
                             + np.where(n_neg > 0, s_neg**2 / np.maximum(n_neg, 1), 0.0)
                             - hc.sum() ** 2 / len(hc))
            gain[done] = -np.inf
            q = int(np.argmax(gain))
            if not gain[q] > 1e-12:
                break
            done[q] = True
            cells = cells * 2 + sign[:, q]
            chosen.append((pool[ia[q]], pool[ib[q]]))
        return chosen

    @staticmethod
    def _variants(centre: IntArray, parties: Delegation,
                  red_any: BoolArray) -> tuple[IntArray, IntArray]:
        """The one- and two-issue changes of a package that cross no declared red line and
        break no constraint."""
        n_i = parties.n_issues
        moves = [(i, o) for i in range(n_i) for o in range(int(parties.n_options[i]))
                 if o != centre[i] and not red_any[i, o]]
        one = np.repeat(centre[None], len(moves), axis=0)
        for k, (i, o) in enumerate(moves):
            one[k, i] = o
        rows = []
        for a in range(len(moves)):
            for b in range(a + 1, len(moves)):
                if moves[a][0] != moves[b][0]:
                    x = one[a].copy()
                    x[moves[b][0]] = moves[b][1]
                    rows.append(x)
        two = np.stack(rows) if rows else np.empty((0, n_i), dtype=np.int64)
        return one[parties.valid(one)], two[parties.valid(two)]

    def _candidates(self, top: IntArray, centre: IntArray, one: IntArray, two: IntArray,
                    rng: np.random.Generator) -> IntArray:
        """The texts questions are drawn from, all near the estimated Nash region: the
        contenders, the centre, its one-issue changes and some of its two-issue changes."""
        if two.shape[0] > self.pairs_from:
            two = two[np.sort(rng.choice(two.shape[0], self.pairs_from, replace=False))]
        return np.unique(np.concatenate([top[:16], centre[None], one, two]), axis=0)

    def _choose(self, cand: IntArray, hot: BoolArray, smp: FloatArray, p: int,
                asked: set[bytes], offsets: IntArray) -> list[tuple[IntArray, IntArray]]:
        """Up to `questions` pairs of candidate texts whose answers split this party's samples
        most evenly, each splitting them differently from the ones already chosen (cuts
        through the centre of the polytope, Toubia et al. 2003), questions between two
        contenders for the Nash package first."""
        if cand.shape[0] < 2:
            return []
        val = smp[:, offsets[:-1] + cand].sum(axis=2)  # (S, C)
        ia, ib = np.triu_indices(cand.shape[0], 1)
        sign = np.sign(np.round(val[:, ib] - val[:, ia], 10))  # (S, Q)
        share = (sign > 0).mean(axis=0)
        split = np.minimum(share, 1.0 - share)
        # pairs of contenders first: their answers decide the Nash package
        order = np.argsort(-(split + FOCUS * (hot[ia] & hot[ib])), kind="stable")
        chosen: list[tuple[IntArray, IntArray]] = []
        cells = np.zeros(smp.shape[0], dtype=np.int64)
        for q in order:
            if len(chosen) >= self.questions or split[q] < self.threshold:
                break
            a, b = cand[ia[q]], cand[ib[q]]
            if _key(p, a, b) in asked:
                continue
            new = cells * 2 + (sign[:, q] > 0)
            if len(np.unique(new)) == len(np.unique(cells)):
                continue  # splits the samples as an earlier question does
            cells = new
            chosen.append((a, b))
        return chosen

    @staticmethod
    def _opening(blank: list[Critique], ideal: IntArray, red_any: BoolArray, n_opt: IntArray,
                 rng: np.random.Generator, parties: Delegation) -> IntArray:
        n_p, n_i = ideal.shape
        draft = np.full(n_i, -1, dtype=np.int64)
        for i in range(n_i):  # issues where every party wants the same option
            if (ideal[:, i] == ideal[0, i]).all() and not red_any[i, ideal[0, i]]:
                draft[i] = ideal[0, i]
        queues = [[i for i, _ in c.wishes] for c in blank]
        turn = int(rng.integers(n_p))
        while (draft < 0).any():
            q = queues[turn]
            while q and draft[q[0]] >= 0:
                q.pop(0)
            if q:
                i = q.pop(0)
                o = int(ideal[turn, i])
                if red_any[i, o]:
                    free = np.flatnonzero(~red_any[i, : int(n_opt[i])])
                    o = int(free[0]) if free.size else o
                draft[i] = o
            turn = (turn + 1) % n_p
        return draft

    @staticmethod
    def _learn_critique(est: list[Estimate], crit: list[Critique], draft: IntArray,
                        n_opt: IntArray, col: Callable[[int, int], int]) -> None:
        f = est[0].n_features
        for p, c in enumerate(crit):
            e = est[p]
            if c.verdict == "accept":
                e.accepted.append(draft.copy())
            elif c.verdict == "change":
                e.refused.append(draft.copy())
            named = [i for i, _ in c.wishes]
            gains = []
            for i, o in c.wishes:
                a = np.zeros(f)
                a[col(i, o)] += 1.0
                a[col(i, int(draft[i]))] -= 1.0
                e.strict.append(a.copy())
                gains.append(a)
            for g1, g2 in zip(gains, gains[1:], strict=False):
                e.weak.append(g1 - g2)
            last = gains[-1] if gains and len(named) >= WISHES else None
            for j in range(len(n_opt)):
                if j in named:
                    continue
                for o in range(int(n_opt[j])):
                    if o == draft[j]:
                        continue
                    a = np.zeros(f)
                    a[col(j, int(draft[j]))] += 1.0
                    a[col(j, o)] -= 1.0
                    # every unnamed gain is at most the smallest named one (0 if none named)
                    e.weak.append(a if last is None else a + last)

    @staticmethod
    def _walkaways(est: list[Estimate], w: list[FloatArray], n_opt: IntArray,
                   offsets: IntArray) -> FloatArray:
        """Each walk-away between the best refused and the worst accepted draft; the worst
        package when the party refused none."""
        out = np.empty(len(w))
        for p, e in enumerate(est):
            worst = sum(float(w[p][offsets[i]:offsets[i + 1]].min()) for i in range(len(n_opt)))
            if not e.refused:
                out[p] = worst
                continue
            lo = max(_value(x, w[p], offsets) for x in e.refused)
            hi = min((_value(x, w[p], offsets) for x in e.accepted), default=None)
            out[p] = lo + 1e-6 if hi is None or hi <= lo else (lo + hi) / 2
        return out

    @staticmethod
    def _model(parties: Delegation, w: list[FloatArray], d: FloatArray,
               offsets: IntArray) -> CompiledModel:
        """The mediator's own model of the parties: its estimates, the declared red lines."""
        n_p, n_i = parties.n_parties, parties.n_issues
        o_max = parties.red_lines.shape[2]
        values = np.zeros((n_p, n_i, o_max))
        for p in range(n_p):
            for i in range(n_i):
                values[p, i, : int(parties.n_options[i])] = w[p][offsets[i]:offsets[i + 1]] * n_i
        padding = np.arange(o_max)[None, :] >= parties.n_options[:, None]
        return CompiledModel(
            scenario_id="estimate", party_ids=parties.party_ids, issue_ids=parties.issue_ids,
            options=tuple(tuple(str(k) for k in range(len(o))) for o in parties.raw_options),
            raw_options=parties.raw_options, numeric=np.zeros(n_i, dtype=bool),
            n_options=parties.n_options.copy(), weights=np.full((n_p, n_i), 1.0 / n_i),
            values=values, red_lines=RedLines.from_masks(parties.party_ids, parties.red_lines,
                                                       padding),
            padding=padding, constraints=parties.constraints,
            reservation=np.asarray(d, dtype=np.float64))

    def _nash(self, parties: Delegation, w: list[FloatArray], d: FloatArray,
              offsets: IntArray) -> IntArray | None:
        from accord.solve import solve

        res = solve(self._model(parties, w, d, offsets), method="nash", time_limit=10.0)
        if not res.feasible or res.best is None:
            return None
        return np.asarray(res.best.package, dtype=np.int64)


def _askable(texts: IntArray, parties: Delegation, red_any: BoolArray) -> IntArray:
    """The distinct texts the mediator may put to the parties: none crosses a declared red
    line or breaks a public constraint."""
    n_i = texts.shape[1]
    ok = ~red_any[np.arange(n_i)[None, :], texts].any(axis=1) & parties.valid(texts)
    return np.asarray(np.unique(texts[ok], axis=0), dtype=np.int64)


def _value(x: IntArray, w: FloatArray, offsets: IntArray) -> float:
    return float(w[offsets[:-1] + x].sum())


def _log_nash(x: IntArray, w: list[FloatArray], d: FloatArray, offsets: IntArray) -> Any:
    """sum_p log(estimated gain of party p) of one package (a float) or of (N, I) packages."""
    cols = offsets[:-1] + np.asarray(x)
    g = np.stack([wp[cols].sum(axis=-1) for wp in w], axis=-1) - d
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((g > 0).all(axis=-1), np.log(np.where(g > 0, g, 1.0)).sum(axis=-1),
                       -np.inf)
    return float(out) if out.ndim == 0 else out


def _key(p: int, a: IntArray, b: IntArray) -> bytes:
    return bytes([p % 256]) + a.tobytes() + b.tobytes()


def _index(pk: IntArray, x: IntArray) -> int:
    hit = np.flatnonzero((pk == x).all(axis=1))
    return int(hit[0]) if hit.size else -1
