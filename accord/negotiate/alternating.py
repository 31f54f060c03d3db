"""Alternating offers with a deadline (Rubinstein 1982) and its multilateral stacked form,
SAOP (Aydogan, Festen, Hindriks and Jonker 2017, "Alternating offers protocols for multilateral
negotiation", in Modern Approaches to Agent-based Complex Automated Negotiation).

In each round every party, in turn order, either accepts the offer on the table or replaces
it with its own; an offer is agreed once every other party has accepted it in a row. The
negotiation breaks down when the last round ends without agreement. Relative time in round r
of R is t = r / (R - 1), so a time-dependent agent opens at its best and reaches its walk-away
in the last round. With a discount factor d, a package agreed at time t is worth d**t of its
utility (the Genius convention), and a party may only accept while that is still at least its
walk-away. Each party may have its own factor (`discount` as one number per party, e.g. the
scenario's `Party.discount`; see `accord.negotiate.simulate.party_discounts`).

The protocol, not the strategy, guards the outcome: an "accept" of a package that crosses the
party's red lines or falls below its walk-away counts as a rejection, an offer the proposer
could not accept itself is replaced by its best package, and a party whose best package is
(after discounting) no longer worth its walk-away walks away. So no agreement is ever
below anyone's walk-away or across anyone's red lines, whatever a user's strategy does.

Consent (docs/model.md): a party with consent `all` negotiates as above. A party with a list
of issues negotiates only over them: on its turn it lets the offer on the table stand (counts
as accepting it) unless the offer crosses one of its binding red lines, which it vetoes by
making its own offer; a party with `none` never blocks, so it lets every offer stand. Neither
walks away. Agreement needs every party to agree under its consent (`BidSpace.agrees`). No
party ever offers, and no agreement is ever, a package that violates a constraint.

Information (see `accord.negotiate.strategies.RedLineKnowledge`): red lines are declared
positions known to every party, unless `private_red_lines`, in which case a party that rejects
a package crossing its red lines states which ones, and the others learn them. Turn order is
the model's party order, or with `shuffle_turns` a seeded random order drawn per run, so that
the order of parties in a file does not decide who opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from accord.model.compiled import CompiledModel, FloatArray
from accord.negotiate.result import NegotiationResult, finish
from accord.negotiate.space import BidSpace
from accord.negotiate.strategies import Context, RedLineKnowledge, Strategy


def stacked_offers(
    model: CompiledModel,
    strategies: Sequence[Strategy],
    *,
    rounds: int = 100,
    seed: int = 0,
    discount: float | Sequence[float] | FloatArray = 1.0,
    space: BidSpace | None = None,
    record: bool = False,
    protocol: str = "stacked",
    private_red_lines: bool = False,
    know_utilities: bool = False,
    shuffle_turns: bool = False,
) -> NegotiationResult:
    """Run one negotiation among all parties of `model` (use `model.restrict` to choose them;
    their order is the turn order unless `shuffle_turns`). `space` may be shared between runs
    on the same model. `discount` is one factor for all parties or one per party, in the
    model's order; strategy k plays party k. `private_red_lines`: parties learn each other's
    red lines only from rejections. `know_utilities`: strategies are told the others'
    utilities instead of modelling them."""
    n = model.n_parties
    if len(strategies) != n:
        raise ValueError(f"{n} parties need {n} strategies, got {len(strategies)}")
    if n < 2:
        raise ValueError("a negotiation needs at least two parties")
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    disc = discount_vector(discount, n)
    sp = space if space is not None else BidSpace(model)
    if sp.model is not model:
        raise ValueError("the bid space belongs to another model")
    children = np.random.SeedSequence(seed).spawn(n + 1)
    parties = tuple(range(n))
    if shuffle_turns:
        parties = tuple(int(p) for p in np.random.default_rng(children[n]).permutation(n))
    known = RedLineKnowledge(model, private=private_red_lines)
    contexts = [Context(sp, p, parties, rounds, np.random.default_rng(children[p]),
                        float(disc[p]), known=known, know_utilities=know_utilities)
                for p in range(n)]
    for s, ctx in zip(strategies, contexts, strict=True):
        s.start(ctx)
    names = tuple(getattr(s, "name", type(s).__name__) for s in strategies)
    trace: list[dict[str, Any]] = []
    current = -1
    accepted = 0
    offers = 0
    span = max(rounds - 1, 1)
    assert model.consent is not None
    full = [model.consent[p] == "all" for p in range(n)]
    for r in range(rounds):
        t = r / span
        factor = disc**t  # (P,): each party's own discount at time t
        for p in parties:
            s = strategies[p]
            f = float(factor[p])
            if full[p]:
                bid = int(s.offer(t))
                agrees = (current >= 0 and s.accepts(t, current, bid)
                          and sp.acceptable(current, p, f))
            else:  # limited consent lets the offer stand unless it vetoes it
                agrees = current >= 0 and sp.agrees(current, p, f)
                bid = -1 if agrees else int(s.offer(t))
            if (agrees
                    and (accepted < n - 2 or all(sp.agrees(current, q, float(factor[q]))
                                                 for q in parties))):
                accepted += 1
                if record:
                    trace.append(_event(sp, r, t, p, "accept", current))
                for q in parties:
                    if q != p:
                        strategies[q].observe_accept(p, current, t)
                if accepted == n - 1:
                    return finish(model, protocol=protocol, strategies=names, seed=seed,
                                  package=sp.package(current), rounds=r + 1,
                                  max_rounds=rounds, offers=offers, reason="agreement",
                                  factor=factor, trace=trace)
                continue
            if bid < 0:
                bid = int(s.offer(t))
            if not full[p]:  # it offers what it would not veto, and never walks away
                if not sp.agrees(bid, p, f):
                    bid = sp.best(p, contexts[p].rng)
                    if not sp.agrees(bid, p, f):
                        continue
            elif not sp.acceptable(bid, p, f):
                bid = sp.best(p, contexts[p].rng)  # nobody proposes what it could not accept
                if not sp.acceptable(bid, p, f):
                    reason = f"{model.party_ids[p]} walked away: nothing beats its walk-away"
                    return finish(model, protocol=protocol, strategies=names, seed=seed,
                                  package=None, rounds=r + 1, max_rounds=rounds,
                                  offers=offers, reason=reason, factor=1.0, trace=trace)
            revealed = known.reveal(p, sp.package(current)) if current >= 0 else []
            current, accepted = bid, 0
            offers += 1
            if record:
                trace.append(_event(sp, r, t, p, "offer", bid))
                if revealed:
                    trace[-1]["reveals"] = [model.issue_ids[i] for i in revealed]
            for q in parties:
                if q != p:
                    strategies[q].observe(p, bid, t)
    return finish(model, protocol=protocol, strategies=names, seed=seed, package=None,
                  rounds=rounds, max_rounds=rounds, offers=offers, reason="deadline",
                  factor=1.0, trace=trace)


def alternating_offers(model: CompiledModel, strategies: Sequence[Strategy],
                       **kwargs: Any) -> NegotiationResult:
    """The bilateral protocol: exactly two parties."""
    if model.n_parties != 2:
        raise ValueError(
            f"alternating offers is bilateral; {model.n_parties} parties need the stacked "
            "protocol"
        )
    return stacked_offers(model, strategies, protocol="alternating", **kwargs)


def discount_vector(discount: float | Sequence[float] | FloatArray, n: int) -> FloatArray:
    """One discount factor per party: a single number is used for all; each in (0, 1]."""
    d = np.asarray(discount, dtype=np.float64)
    d = np.full(n, float(d)) if d.ndim == 0 else d
    if d.shape != (n,):
        raise ValueError(f"{n} parties need one discount factor (or one for all), got "
                         f"{d.size}")
    if not ((d > 0.0) & (d <= 1.0)).all():
        raise ValueError("discount must lie in (0, 1]")
    return d


def _event(sp: BidSpace, r: int, t: float, p: int, action: str, bid: int) -> dict[str, Any]:
    m = sp.model
    return {
        "round": r + 1, "t": round(t, 6), "party": m.party_ids[p], "action": action,
        "choices": m.decode(sp.package(bid)),
        "utilities": {q: round(float(v), 9) for q, v in zip(m.party_ids, sp.utils[bid],
                                                            strict=True)},
    }
