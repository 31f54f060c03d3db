"""The single negotiating text (Raiffa 1982, The Art and Science of Negotiation, ch. 14; the
one-text procedure the US used at Camp David in 1978), with the mediator searching the draft as
in Klein, Faratin, Sayama and Bar-Yam 2003 ("Negotiating complex contracts", Group Decision
and Negotiation 12).

The mediator holds one draft. Each round every party critiques it: it vetoes the draft when
the draft crosses one of its red lines (naming the issues), asks for changes when it falls
below its walk-away, or accepts; in every case it names the issues it most wants changed and
the option it would prefer (its wishes). The mediator, who never sees utilities, builds
candidate revisions (fixes of vetoed issues, each wish, pairs of wishes of different parties
as trades, random one- and two-issue mutations) and puts them to a vote: each party says
better, same, worse, or veto (the candidate crosses its red line). A vetoed draft must change:
the mediator adopts the fix with the fewest objections; if every option of a vetoed issue has
been vetoed by somebody, the red lines are irreconcilable: the mediator leaves that issue open
(the text cannot pass) and goes on improving the rest, so the trace shows what else could move.
Otherwise the hill-climbing mediator adopts only a candidate nobody finds worse and somebody
finds better; when no candidate of up to three issues improves the draft (a local Pareto
optimum) and rounds are left, it restarts (Klein et al. 2003 restart their annealers too) from
another draft built only from what parties said: each party's preferred options on the issues
it most wants changed, or a random draft of options nobody declared a red line on (never one
crossing a declared red line or a constraint). It keeps the best text found, judged by the
critiques (more parties accept) and then by a unanimous comparison (nobody worse, somebody
better), stops after `patience` restarts in a row fail to beat it, and returns to it. The annealing
mediator first also adopts candidates some parties find worse, with probability
exp(-objections / T) on a falling temperature, then climbs. Finally each party says yes or no
once: yes when the text is within its red lines and at least its walk-away (discounted by
d**(round / max_rounds) with the party's own discount factor d, if it has one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accord.model.compiled import CompiledModel, FloatArray, IntArray
from accord.model.scenario import OptionValue
from accord.negotiate.alternating import discount_vector
from accord.negotiate.mediation import Critique as Said
from accord.negotiate.mediation import NashMediator, delegation, votes
from accord.negotiate.result import NegotiationResult, finish

WISHES = 3
"""How many issues a party names in its critique."""


@dataclass
class Critique:
    """One party's reaction to a draft: accept, change (below walk-away) or veto."""

    party: str
    verdict: str
    objections: list[str]
    """Issues vetoed (red lines) or, for `change`, the issues it most wants changed."""
    wishes: dict[int, int]
    """{issue index: preferred option index} for the issues it most wants changed."""


def critique(model: CompiledModel, p: int, draft: IntArray, k: int = WISHES) -> Critique:
    """Party p's critique: wishes are its k largest possible gains, one issue at a time."""
    cols = np.arange(model.n_issues)
    own = np.where(model.forbidden_options()[p], -np.inf, model.table[p])
    gain = own.max(axis=1) - model.table[p][cols, draft]
    order = [int(i) for i in np.argsort(-gain, kind="stable") if gain[i] > 1e-12][:k]
    wishes = {i: int(np.argmax(own[i])) for i in order}
    crossed = [int(i) for i in np.flatnonzero(model.violations(draft)[0, p])]
    if crossed:
        for i in crossed:
            wishes.setdefault(i, int(np.argmax(own[i])))
        return Critique(model.party_ids[p], "veto", [model.issue_ids[i] for i in crossed],
                        wishes)
    u = float(model.utilities(draft)[p])
    if u < model.reservation[p] - 1e-12:
        return Critique(model.party_ids[p], "change", [model.issue_ids[i] for i in order],
                        wishes)
    return Critique(model.party_ids[p], "accept", [], wishes)




class Mediator:
    """Base mediator: generates candidate drafts and decides which to adopt."""

    name: ClassVar[str] = "mediator"
    random_moves: int = 200

    def candidates(self, model: CompiledModel, draft: IntArray, wishes: list[dict[int, int]],
                   rng: np.random.Generator) -> IntArray:
        """Single wishes, trades (pairs of wishes of different parties), every one-issue
        change, and random two-issue mutations; in a random order."""
        rows: list[IntArray] = []
        for w in wishes:
            for i, o in w.items():
                x = draft.copy()
                x[i] = o
                rows.append(x)
        for a in range(len(wishes)):
            for b in range(a + 1, len(wishes)):
                for i, o in wishes[a].items():
                    for j, q in wishes[b].items():
                        if i != j:
                            x = draft.copy()
                            x[i], x[j] = o, q
                            rows.append(x)
        for i in range(model.n_issues):
            for o in range(int(model.n_options[i])):
                if o != draft[i]:
                    x = draft.copy()
                    x[i] = o
                    rows.append(x)
        if model.n_issues >= 2 and self.random_moves:
            m = self.random_moves
            pairs = np.stack([rng.choice(model.n_issues, 2, replace=False) for _ in range(m)])
            x = np.repeat(draft[None], m, axis=0)
            for c in range(2):
                x[np.arange(m), pairs[:, c]] = rng.integers(0, model.n_options[pairs[:, c]])
            rows.extend(x)
        out = np.unique(np.stack(rows), axis=0)
        out = out[(out != draft).any(axis=1) & model.valid(out)]
        return out[rng.permutation(out.shape[0])]

    def choose(self, v: IntArray, step: int, steps: int, rng: np.random.Generator) -> int | None:
        """Hill climbing: the first candidate nobody finds worse and somebody finds better."""
        ok = np.flatnonzero((v >= 0).all(axis=1) & (v > 0).any(axis=1))
        return int(ok[0]) if ok.size else None

    patience: int = 3
    """Restarts in a row that may fail to beat the best text before the mediator stops."""

    def restart(self, model: CompiledModel, best: IntArray, crit: list[Critique], k: int,
                rng: np.random.Generator) -> IntArray | None:
        """The k-th restart draft (k = 1, 2, ...), built only from what parties tell a
        mediator: odd k takes, from the best text, each party's preferred option on the issues
        it most wants changed (a random party's where wishes clash); even k (or when that
        crosses a declared red line or a constraint) is a random draft of options nobody has
        declared a red line on. None when no such draft is found."""
        if k % 2 == 1:
            x = best.copy()
            asks: dict[int, list[int]] = {}
            for c in crit:
                for i, o in c.wishes.items():
                    asks.setdefault(i, []).append(o)
            for i in sorted(asks):
                x[i] = asks[i][int(rng.integers(len(asks[i])))]
            crossed = model.violations(x)[0].any(axis=0)  # (I,): someone's red line
            x[crossed] = best[crossed]
            if (x != best).any() and _offerable(model, x):
                return x
        return _random_draft(model, rng)


class HillClimbing(Mediator):
    """Adopt only Pareto improvements; stop at the first draft none improves."""

    name: ClassVar[str] = "hill-climbing"


class SimulatedAnnealing(Mediator):
    """Klein et al. (2003): accept a candidate with n objections with probability
    exp(-n / T), T falling linearly from t0 to 0 over the first `anneal` fraction of rounds;
    then climb. Never adopts a candidate a party vetoes."""

    name: ClassVar[str] = "annealing"

    def __init__(self, t0: float = 1.0, anneal: float = 0.5) -> None:
        self.t0, self.anneal = t0, anneal

    def choose(self, v: IntArray, step: int, steps: int, rng: np.random.Generator) -> int | None:
        temp = self.t0 * max(0.0, 1.0 - step / max(1.0, self.anneal * steps))
        if temp > 0:
            usable = np.flatnonzero((v > -2).all(axis=1) & (v > 0).any(axis=1))
            for c in usable[:50]:
                no = int((v[c] < 0).sum())
                if no == 0 or rng.random() < np.exp(-no / temp):
                    return int(c)
        return super().choose(v, step, steps, rng)


def _offerable(model: CompiledModel, x: IntArray) -> bool:
    """Within every declared red line and every constraint."""
    return bool(model.within_red_lines(x)[0].all() and model.valid(x)[0])


def _random_draft(model: CompiledModel, rng: np.random.Generator,
                  tries: int = 200) -> IntArray | None:
    """A random offerable draft: per issue an option no party has declared a red line on
    (any option where every one is), resampled until the package passes `_offerable`."""
    forbidden = model.forbidden_options().any(axis=0) | model.padding  # (I, O)
    for _ in range(tries):
        x = np.empty(model.n_issues, dtype=np.int64)
        for i in range(model.n_issues):
            free = np.flatnonzero(~forbidden[i, :int(model.n_options[i])])
            if not free.size:
                free = np.arange(int(model.n_options[i]))
            x[i] = int(free[rng.integers(free.size)])
        if _offerable(model, x):
            return x
    return None


def _better(model: CompiledModel, a: IntArray, crit_a: list[Critique], b: IntArray,
            crit_b: list[Critique]) -> bool:
    """Text a beats text b by what parties say: more of them accept a in their critiques, or
    as many and, asked to compare, nobody finds a worse and somebody finds it better."""
    yes_a = sum(c.verdict == "accept" for c in crit_a)
    yes_b = sum(c.verdict == "accept" for c in crit_b)
    if yes_a != yes_b:
        return yes_a > yes_b
    v = votes(model, b, a[None])[0]
    return bool((v >= 0).all() and (v > 0).any())


MEDIATORS: dict[str, type[Mediator] | type[NashMediator]] = {
    "nash": NashMediator, "hill-climbing": HillClimbing, "annealing": SimulatedAnnealing}
"""The mediators by name. `auto` (the default, `auto_mediator`) picks `nash` or
`hill-climbing` for the model."""


def auto_mediator(model: CompiledModel) -> Mediator | NashMediator:
    """The default mediator: the eliciting one (`nash`), which on the benchmark ends nearer the
    Nash set than hill climbing (docs/negotiate.md), wherever a Nash package exists; where
    every package crosses somebody's declared red line or a constraint there is none to draft
    toward, and hill climbing, which leaves an irreconcilable issue open, drafts instead."""
    from accord.solve import solve

    res = solve(model, method="nash", time_limit=10.0)
    return NashMediator() if res.feasible and res.best is not None else HillClimbing()


def opening_draft(model: CompiledModel, choices: Mapping[str, OptionValue] | None) -> IntArray:
    """The mediator's first text: a plan's choices, with any issue it leaves open set to the
    least objectionable option. That is, per issue, among the options fewest parties forbid
    (none, where possible), the one whose largest loss to any party is smallest, the loss
    being the party's weighted utility (`model.table`) given up against its best permitted
    option on that issue (a party that gives the issue no weight loses nothing); ties go to
    the higher total utility, then to the first option."""
    forbidden = model.forbidden_options()  # (P, I, O), conditional red lines included
    own = np.where(forbidden, -np.inf, model.table)  # (P, I, O)
    best = own.max(axis=2, keepdims=True)  # (P, I, 1)
    best = np.where(np.isfinite(best), best, model.table.max(axis=2, keepdims=True))
    loss = (best - model.table).max(axis=0)  # (I, O): the largest loss over the parties
    vetoes = forbidden.sum(axis=0)  # (I, O): how many parties forbid the option
    total = model.table.sum(axis=0)  # (I, O)
    x = np.zeros(model.n_issues, dtype=np.int64)
    for i in range(model.n_issues):
        n = int(model.n_options[i])
        # lexsort: last key is primary
        order = np.lexsort((np.arange(n), -total[i, :n], np.round(loss[i, :n], 12),
                            vetoes[i, :n]))
        x[i] = int(order[0])
    if choices:
        for i, iid in enumerate(model.issue_ids):
            if iid in choices:
                x[i] = model.encode({**model.decode(x), iid: choices[iid]})[i]
    return x


def single_text(
    model: CompiledModel,
    *,
    mediator: Mediator | NashMediator | None = None,
    start: Mapping[str, OptionValue] | None = None,
    rounds: int = 100,
    seed: int = 0,
    discount: float | Sequence[float] | FloatArray = 1.0,
    mediator_id: str = "mediator",
) -> NegotiationResult:
    """Run the single negotiating text among all parties of `model`. The trace lists every
    adopted draft: what changed, who asked, each critique and each party's vote. `discount`
    is one factor for all parties or one per party, in the model's order."""
    if model.n_parties < 2:
        raise ValueError("a negotiation needs at least two parties")
    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 1:
        raise ValueError(f"rounds must be a whole number of at least 1, got {rounds!r}")
    disc = discount_vector(discount, model.n_parties)
    med = mediator if mediator is not None else auto_mediator(model)
    if isinstance(med, NashMediator):
        return _elicited(model, med, start, rounds, seed, disc, mediator_id)
    rng = np.random.default_rng(seed)
    draft = opening_draft(model, start)
    banned = np.zeros(model.padding.shape, dtype=bool)  # options someone has vetoed
    trace: list[dict[str, Any]] = []
    reason = "no draft improves"
    asked = np.zeros(model.n_parties, dtype=np.int64)  # comparisons per party
    numbered = 0  # drafts numbered contiguously in the trace
    parked: list[int] = []  # issues whose every option somebody vetoes: left open
    step = 0
    best: IntArray | None = None  # the best text found so far, by critiques and comparisons
    best_crit: list[Critique] = []
    best_no = restarts = fails = 0
    crit = [critique(model, p, draft) for p in range(model.n_parties)]
    trace.append(_draft_event(model, 0, draft, None, crit, None, "opening", mediator_id))
    trace[-1]["draft"] = 0
    for step in range(1, rounds + 1):
        cols = np.arange(model.n_issues)
        crossed = model.violations(draft)[0]  # (P, I), honouring unless
        vetoed_issues = sorted({int(i) for p in range(model.n_parties)
                                for i in np.flatnonzero(crossed[p])} - set(parked))
        for p in range(model.n_parties):
            banned[cols, draft] |= crossed[p]
        wishes = [c.wishes for c in crit]
        if vetoed_issues:
            cand, dead = _veto_fixes(model, draft, vetoed_issues, banned)
            if dead is not None:
                parked.append(dead)
                trace.append({"round": step, "event": "deadlock",
                              "issue": model.issue_ids[dead],
                              "vetoed": _vetoed_by(model, dead)})
                continue
            v = votes(model, draft, cand)
            asked += cand.shape[0]
            fewest = -100 * (v < 0).sum(axis=1) + (v > 0).sum(axis=1)
            pick: int | None = int(np.argmax(fewest))
            why = "veto"
        else:
            cand = med.candidates(model, draft, wishes, rng)
            if parked:
                cand = cand[(cand[:, parked] == draft[parked]).all(axis=1)]
            v = votes(model, draft, cand)
            asked += cand.shape[0]
            pick = med.choose(v, step, rounds, rng)
            why = "revision"
            if pick is None:  # larger moves before giving up: three issues at once
                cand = _larger_moves(model, draft, wishes, rng, med.random_moves)
                if parked:
                    cand = cand[(cand[:, parked] == draft[parked]).all(axis=1)]
                if cand.shape[0]:
                    v = votes(model, draft, cand)
                    asked += cand.shape[0]
                    pick = med.choose(v, step, rounds, rng)
        if pick is None:
            if best is None or _better(model, draft, crit, best, best_crit):
                best, best_crit, best_no, fails = draft, crit, numbered, 0
            elif restarts:
                fails += 1
            new_start = (med.restart(model, best, best_crit, restarts + 1, rng)
                         if step < rounds and not parked and fails < med.patience else None)
            if new_start is None:
                reason = ("a local optimum: no revision of up to 3 issues helps everyone (of "
                          f"the ones tried) after {step - 1} of {rounds} rounds"
                          + (f" and {restarts} restarts" if restarts else ""))
                break
            restarts += 1
            crit_new = [critique(model, p, new_start) for p in range(model.n_parties)]
            numbered += 1
            trace.append(_draft_event(model, step, new_start, draft, crit_new, None, "restart",
                                      mediator_id, [c.wishes for c in best_crit]))
            trace[-1]["draft"] = numbered
            trace[-1]["why"] = (f"restart {restarts}: draft {numbered - 1} is a local optimum;"
                                f" the best text so far is draft {best_no}")
            draft, crit = new_start, crit_new
            continue
        new = cand[pick]
        crit_new = [critique(model, p, new) for p in range(model.n_parties)]
        numbered += 1
        trace.append(_draft_event(model, step, new, draft, crit_new, v[pick], why, mediator_id,
                                  wishes))
        trace[-1]["draft"] = numbered
        draft, crit = new, crit_new
    else:
        reason = "deadline"
    if best is not None and (best != draft).any() and not parked and \
            not _better(model, draft, crit, best, best_crit):
        # The restarts found nothing better than an earlier text: the mediator returns to it.
        numbered += 1
        trace.append(_draft_event(model, step, best, draft, best_crit,
                                  votes(model, draft, best[None])[0], "return", mediator_id))
        trace[-1]["draft"] = numbered
        trace[-1]["why"] = f"back to draft {best_no}, the best text found"
        draft, crit = best, best_crit
    factor = disc ** (step / rounds)  # (P,): each party's own discount
    u = model.utilities(draft)
    ok = model.within_red_lines(draft)[0] & (u * factor >= model.reservation - 1e-12)
    final_event: dict[str, Any] = {"round": step, "event": "final vote"}
    if parked:
        # An open issue is scored as open: every completion of it, per party a utility range
        # and whether it accepts in every completion, some, or none; yes only in every one.
        every, final_event["open"] = _open_verdicts(model, draft, parked, factor)
        ok = ok & every
    final = {pid: bool(y) for pid, y in zip(model.party_ids, ok, strict=True)}
    final_event["votes"] = final
    trace.append(final_event)
    agreed = bool(ok.all())
    if parked:
        reason = ("irreconcilable red lines on " + ", ".join(model.issue_ids[i] for i in parked)
                  + ": every option is vetoed by some party, so the text left it open")
    outcome = "agreement" if agreed else f"rejected in the final vote ({reason})"
    drafts = sum(1 for e in trace if e.get("event") in ("opening", "veto", "revision", "restart",
                                                       "return"))
    out = finish(model, protocol="single-text", strategies=(med.name,), seed=seed,
                 package=draft if agreed else None, rounds=step, max_rounds=rounds,
                 offers=drafts, reason=outcome, factor=factor, trace=trace)
    out.comparisons = dict(zip(model.party_ids, map(int, asked), strict=True))
    return out


def _open_verdicts(model: CompiledModel, draft: IntArray, parked: list[int],
                   factor: FloatArray) -> tuple[np.ndarray, dict[str, Any]]:
    """Each party's utility range over the completions of the open issues, and whether it
    accepts the text in every completion, in some, or in none."""
    import itertools

    grids = [range(int(model.n_options[i])) for i in parked]
    combos = list(itertools.islice(itertools.product(*grids), 4096))
    x = np.repeat(draft[None], len(combos), axis=0)
    x[:, parked] = np.array(combos, dtype=np.int64)
    u = model.utilities(x).reshape(len(combos), model.n_parties)
    acc = model.within_red_lines(x) & (u * factor >= model.reservation - 1e-12)
    every = np.asarray(acc.all(axis=0))
    words = np.where(every, "every", np.where(acc.any(axis=0), "some", "none"))
    info: dict[str, Any] = {
        "issues": [model.issue_ids[i] for i in parked],
        "utility_range": {p: [round(float(u[:, k].min()), 9), round(float(u[:, k].max()), 9)]
                          for k, p in enumerate(model.party_ids)},
        "accepts_in": {p: str(w) for p, w in zip(model.party_ids, words, strict=True)},
    }
    return every, info


def _larger_moves(model: CompiledModel, draft: IntArray, wishes: list[dict[int, int]],
                  rng: np.random.Generator, n: int) -> IntArray:
    """Three-issue candidates: triples of wishes from different parties, and random
    three-issue mutations (the moves a one- and two-issue search cannot see)."""
    rows: list[IntArray] = []
    flat = [(p, i, o) for p, w in enumerate(wishes) for i, o in w.items()]
    for a in range(len(flat)):
        for b in range(a + 1, len(flat)):
            for c in range(b + 1, len(flat)):
                trio = (flat[a], flat[b], flat[c])
                if len({t[1] for t in trio}) == 3 and len({t[0] for t in trio}) >= 2:
                    x = draft.copy()
                    for _, i, o in trio:
                        x[i] = o
                    rows.append(x)
    if model.n_issues >= 3 and n:
        trip = np.stack([rng.choice(model.n_issues, 3, replace=False) for _ in range(n)])
        x = np.repeat(draft[None], n, axis=0)
        for c in range(3):
            x[np.arange(n), trip[:, c]] = rng.integers(0, model.n_options[trip[:, c]])
        rows.extend(x)
    if not rows:
        return np.empty((0, model.n_issues), dtype=np.int64)
    out = np.unique(np.stack(rows), axis=0)
    out = out[(out != draft).any(axis=1) & model.valid(out)]
    return out[rng.permutation(out.shape[0])]


def _elicited(model: CompiledModel, med: NashMediator, start: Mapping[str, OptionValue] | None,
              rounds: int, seed: int, disc: FloatArray, mediator_id: str) -> NegotiationResult:
    """Run the eliciting mediator on the parties of `model`, reached only through a
    `Delegation`; then the final vote and the trace."""
    # An interested mediator (a party that drafts) drafts neutrally: it is not asked, and its
    # utility is reported, never used; it votes at the end like every party.
    others = [p for p in model.party_ids if p != mediator_id]
    asked = model.restrict(others) if len(others) < model.n_parties and len(others) >= 2 \
        else model
    parties = delegation(asked)
    first = opening_draft(model, start) if start else None
    draft, steps, why = med.run(parties, rounds, np.random.default_rng(seed), start=first)
    everyone = delegation(model)
    trace: list[dict[str, Any]] = []
    numbered = 0
    rnd = 0
    for s_ in steps:
        if s_.event in ("opening", "revision"):
            assert s_.draft is not None
            rnd = int(s_.data.get("round", rnd))
            crit = [_as_critique(model, c) for c in
                    (everyone.critique(s_.draft) if asked is not model
                     else s_.critiques or [])]
            vote = None if s_.vote is None else np.asarray(s_.vote).reshape(-1)
            if vote is not None and asked is not model:  # every party's vote, for the trace
                vote = votes(model, s_.old if s_.old is not None else s_.draft,
                             s_.draft[None])[0]
            e = _draft_event(model, rnd, s_.draft, s_.old, crit, vote, s_.event, mediator_id,
                             [dict(c.wishes) for c in crit])
            e["draft"] = numbered
            e["why"] = s_.note
            numbered += 1
            trace.append(e)
    used = min(rounds, max(1, len(steps)))
    factor = disc ** (used / rounds)
    ok = everyone.ratify(draft, factor)
    final = {pid: bool(y) for pid, y in zip(model.party_ids, ok, strict=True)}
    trace.append({"round": used, "event": "final vote", "votes": final})
    agreed = bool(ok.all())
    outcome = "agreement" if agreed else f"rejected in the final vote ({why})"
    out = finish(model, protocol="single-text", strategies=(med.name,), seed=seed,
                 package=draft if agreed else None, rounds=used, max_rounds=rounds,
                 offers=numbered, reason=outcome, factor=factor, trace=trace)
    counts = dict(zip(asked.party_ids, map(int, parties.comparisons), strict=True))
    out.comparisons = {p: counts.get(p, 0) for p in model.party_ids}
    return out


def _as_critique(model: CompiledModel, c: Said) -> Critique:
    return Critique(c.party, c.verdict, [model.issue_ids[i] for i in c.objections],
                    dict(c.wishes))


def _veto_fixes(model: CompiledModel, draft: IntArray, issues: list[int],
                banned: np.ndarray) -> tuple[IntArray, int | None]:
    """Candidates moving one vetoed issue to an option nobody is known to veto."""
    rows = []
    for i in issues:
        free = [o for o in range(int(model.n_options[i])) if not banned[i, o]]
        if not free:
            return np.empty((0, model.n_issues), dtype=np.int64), i
        for o in free:
            x = draft.copy()
            x[i] = o
            rows.append(x)
    return np.stack(rows), None


def _vetoed_by(model: CompiledModel, i: int) -> dict[str, list[OptionValue]]:
    n = int(model.n_options[i])
    forbidden = model.forbidden_options()
    return {pid: [model.raw_options[i][o] for o in range(n) if forbidden[p, i, o]]
            for p, pid in enumerate(model.party_ids)}


def _draft_event(model: CompiledModel, step: int, draft: IntArray, old: IntArray | None,
                 crit: list[Critique], vote: IntArray | None, why: str, mediator_id: str,
                 wishes: list[dict[int, int]] | None = None) -> dict[str, Any]:
    u: FloatArray = model.utilities(draft)
    changes = []
    if old is not None:
        for i in np.flatnonzero(draft != old):
            asked = [model.party_ids[p] for p, w in enumerate(wishes or [])
                     if w.get(int(i)) == int(draft[i])]
            changes.append({"issue": model.issue_ids[i],
                            "from": model.raw_options[i][int(old[i])],
                            "to": model.raw_options[i][int(draft[i])],
                            "asked_by": asked})
    names = {1: "better", 0: "same", -1: "worse", -2: "veto"}
    return {
        "round": step, "event": why, "drafted_by": mediator_id,
        "changes": changes,
        "utilities": {p: round(float(x), 9) for p, x in zip(model.party_ids, u, strict=True)},
        "votes": None if vote is None else {p: names[int(x)] for p, x in
                                            zip(model.party_ids, vote, strict=True)},
        "critiques": {c.party: {"verdict": c.verdict, "objections": c.objections,
                                "wishes": {model.issue_ids[i]: model.raw_options[i][o]
                                           for i, o in c.wishes.items()}} for c in crit},
        "choices": model.decode(draft),
    }
