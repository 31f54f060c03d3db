"""One entry point for a simulated negotiation under any protocol, and repeated runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from accord.model.compiled import CompiledModel
from accord.model.scenario import OptionValue
from accord.negotiate.alternating import stacked_offers
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
    discount: float = 1.0,
    mediator: str | Mediator = "hill-climbing",
    mediator_id: str = "mediator",
    start: Mapping[str, OptionValue] | None = None,
    record: bool = False,
    space: BidSpace | None = None,
) -> NegotiationResult:
    """Simulate one negotiation among the parties of `model` (restrict it first to choose
    them and their turn order). For the offer protocols, `strategies` gives one strategy per
    party (a single one is used by all); the single text uses `mediator` and `start`."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; use one of {', '.join(PROTOCOLS)}")
    if protocol == "single-text":
        med = MEDIATORS[mediator]() if isinstance(mediator, str) else mediator
        return single_text(model, mediator=med, start=start, rounds=rounds, seed=seed,
                           discount=discount, mediator_id=mediator_id)
    n = model.n_parties
    if protocol == "alternating" and n != 2:
        raise ValueError(f"alternating offers is bilateral, got {n} parties; use 'stacked'")
    specs = list(strategies)
    if len(specs) == 1:
        specs = specs * n
    if len(specs) != n:
        raise ValueError(f"{n} parties need {n} strategies (or one for all), got {len(specs)}")
    agents = [make_strategy(s) if isinstance(s, str) else s for s in specs]
    return stacked_offers(model, agents, rounds=rounds, seed=seed, discount=discount,
                          space=space, record=record, protocol=protocol)


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
