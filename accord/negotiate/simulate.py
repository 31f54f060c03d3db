"""One entry point for a simulated negotiation under any protocol, and repeated runs.

Time pressure: each party discounts by its own factor, `Party.discount` of the scenario passed
as `scenario` (a Genius `discount_factor` arrives there on import); a party without one does
not discount. An explicit `discount` overrides: one number for every party, or a mapping from
party id to factor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from accord.model.compiled import CompiledModel, FloatArray
from accord.model.scenario import OptionValue, Scenario
from accord.negotiate.alternating import stacked_offers
from accord.negotiate.metrics import Reference, reference, score
from accord.negotiate.result import NegotiationResult
from accord.negotiate.single_text import MEDIATORS, Mediator, single_text
from accord.negotiate.space import BidSpace
from accord.negotiate.strategies import Strategy, make_strategy

PROTOCOLS = ("alternating", "stacked", "single-text")


def simulate(
    model: CompiledModel,
    protocol: str = "alternating",
    strategies: Sequence[str | Strategy] = ("boulware", "conceder"),
    *,
    rounds: int = 100,
    seed: int = 0,
    discount: float | Mapping[str, float] | None = None,
    scenario: Scenario | None = None,
    mediator: str | Mediator = "auto",
    mediator_id: str = "mediator",
    start: Mapping[str, OptionValue] | None = None,
    record: bool = False,
    space: BidSpace | None = None,
    private_red_lines: bool = False,
    know_utilities: bool = False,
    shuffle_turns: bool = False,
) -> NegotiationResult:
    """Simulate one negotiation among the parties of `model` (restrict it first to choose
    them and their turn order). For the offer protocols, `strategies` gives one strategy per
    party (a single one is used by all); the single text uses `mediator` and `start`.
    Discount factors: see `party_discounts`. The offer protocols also take
    `private_red_lines`, `know_utilities` and `shuffle_turns` (see `stacked_offers`)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; use one of {', '.join(PROTOCOLS)}")
    disc = party_discounts(model, scenario, discount)
    if protocol == "single-text":
        med = (None if mediator == "auto" else MEDIATORS[mediator]()) \
            if isinstance(mediator, str) else mediator
        return single_text(model, mediator=med, start=start, rounds=rounds, seed=seed,
                           discount=disc, mediator_id=mediator_id)
    n = model.n_parties
    if protocol == "alternating" and n != 2:
        raise ValueError(f"alternating offers is bilateral, got {n} parties; use 'stacked'")
    specs = list(strategies)
    if len(specs) == 1:
        specs = specs * n
    if len(specs) != n:
        raise ValueError(f"{n} parties need {n} strategies (or one for all), got {len(specs)}")
    agents = [make_strategy(s) if isinstance(s, str) else s for s in specs]
    return stacked_offers(model, agents, rounds=rounds, seed=seed, discount=disc,
                          space=space, record=record, protocol=protocol,
                          private_red_lines=private_red_lines, know_utilities=know_utilities,
                          shuffle_turns=shuffle_turns)


def simulate_many(
    model: CompiledModel,
    protocol: str,
    strategies: Sequence[str | Strategy],
    seeds: Sequence[int],
    *,
    space: BidSpace | None = None,
    ref: Reference | None = None,
    **kwargs: Any,
) -> tuple[list[NegotiationResult], Reference]:
    """One run per seed, each scored against the Pareto frontier and the Nash package; the
    bid space and the reference points are built once and shared by every run."""
    ref = ref if ref is not None else reference(model)
    if space is None and protocol != "single-text":
        space = BidSpace(model)
    results = []
    for sd in seeds:
        r = simulate(model, protocol, strategies, seed=sd, space=space, **kwargs)
        score(r, ref)
        results.append(r)
    return results, ref


def party_discounts(model: CompiledModel, scenario: Scenario | None = None,
                    discount: float | Mapping[str, float] | None = None) -> FloatArray:
    """Each party's discount factor, in the model's party order.

    `discount` given as a number applies to every party (it overrides the scenario); as a
    mapping it sets the parties it names. Any party left falls back on the scenario's
    `Party.discount`, then on 1 (no discounting)."""
    out = np.ones(model.n_parties)
    if scenario is not None:
        known = {p.id: p for p in scenario.parties}
        for k, pid in enumerate(model.party_ids):
            party = known.get(pid)
            if party is not None and party.discount is not None:
                out[k] = party.discount
    if isinstance(discount, Mapping):
        unknown = sorted(set(discount) - set(model.party_ids))
        if unknown:
            raise ValueError(f"discount names parties not in the negotiation: "
                             f"{', '.join(unknown)}")
        for k, pid in enumerate(model.party_ids):
            if pid in discount:
                out[k] = discount[pid]
    elif discount is not None:
        out[:] = discount
    if not ((out > 0.0) & (out <= 1.0)).all():
        raise ValueError("discount must lie in (0, 1]")
    return out


def repeat_seeds(seed: int, repeat: int) -> list[int]:
    """Reproducible, independent seeds for `repeat` runs from one base seed."""
    if repeat == 1:
        return [seed]
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(repeat, np.uint32)]


def summarize(results: Sequence[NegotiationResult]) -> dict[str, Any]:
    """Agreement rate, mean rounds, mean utilities, welfare and distances over runs."""
    if not results:
        return {"runs": 0}
    parties = results[0].parties
    agree = [r for r in results if r.agreement]
    out: dict[str, Any] = {
        "runs": len(results),
        "agreements": len(agree),
        "agreement_rate": len(agree) / len(results),
        "mean_rounds": float(np.mean([r.rounds for r in results])),
        "mean_rounds_to_agreement": (float(np.mean([r.rounds for r in agree]))
                                     if agree else None),
        "mean_utilities": {p: float(np.mean([r.utilities[p] for r in results]))
                           for p in parties},
    }
    for key in ("welfare", "nash_distance", "frontier_distance"):
        vals = [r.metrics[key] for r in results if np.isfinite(r.metrics.get(key, np.nan))]
        out[f"mean_{key}"] = float(np.mean(vals)) if vals else None
    return out
