"""Negotiation simulation: alternating offers (bilateral and stacked), the single negotiating
text, strategies, mediators and tournaments, all on the compiled model's arrays."""

from accord.negotiate.alternating import alternating_offers, stacked_offers
from accord.negotiate.metrics import Reference, reference, score
from accord.negotiate.result import NegotiationResult
from accord.negotiate.simulate import (
    PROTOCOLS,
    party_discounts,
    repeat_seeds,
    simulate,
    simulate_many,
    summarize,
)
from accord.negotiate.single_text import (
    MEDIATORS,
    HillClimbing,
    Mediator,
    SimulatedAnnealing,
    auto_mediator,
    single_text,
)
from accord.negotiate.space import BidSpace
from accord.negotiate.strategies import (
    STRATEGIES,
    Boulware,
    Conceder,
    Context,
    FrequencyModel,
    FrequencyPareto,
    HardHeaded,
    Linear,
    Strategy,
    TimeDependent,
    TitForTat,
    make_strategy,
    register_strategy,
)
from accord.negotiate.tournament import TournamentResult, tournament

__all__ = [
    "MEDIATORS",
    "auto_mediator",
    "PROTOCOLS",
    "STRATEGIES",
    "BidSpace",
    "Boulware",
    "Conceder",
    "Context",
    "FrequencyModel",
    "FrequencyPareto",
    "HardHeaded",
    "HillClimbing",
    "Linear",
    "Mediator",
    "NegotiationResult",
    "Reference",
    "SimulatedAnnealing",
    "Strategy",
    "TimeDependent",
    "TitForTat",
    "TournamentResult",
    "alternating_offers",
    "make_strategy",
    "party_discounts",
    "reference",
    "register_strategy",
    "repeat_seeds",
    "score",
    "simulate",
    "simulate_many",
    "single_text",
    "stacked_offers",
    "summarize",
    "tournament",
]
