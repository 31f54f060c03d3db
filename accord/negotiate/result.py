"""What a simulated negotiation returns: the outcome, the round, utilities, and its trace."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.model.compiled import CompiledModel, FloatArray, IntArray
from accord.model.scenario import OptionValue


@dataclass
class NegotiationResult:
    """One run. On breakdown `utilities` are the walk-away values (what each party gets)."""

    protocol: str
    scenario: str
    parties: tuple[str, ...]
    strategies: tuple[str, ...]
    seed: int
    agreement: bool
    package: IntArray | None
    choices: dict[str, OptionValue] | None
    utilities: dict[str, float]
    discounted: dict[str, float]
    rounds: int
    """Round of the agreement (1-based), or the rounds used before the breakdown."""
    max_rounds: int
    offers: int
    reason: str
    trace: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    comparisons: dict[str, int] | None = None
    """Single text: how many candidates each party compared with the draft."""
    """Filled by `accord.negotiate.metrics.score`: welfare, distance to Nash and frontier."""

    @property
    def welfare(self) -> float:
        return float(sum(self.utilities.values()))

    def to_dict(self, trace: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "scenario": self.scenario,
            "parties": list(self.parties),
            "strategies": list(self.strategies),
            "seed": self.seed,
            "agreement": self.agreement,
            "choices": self.choices,
            "utilities": {k: round(v, 9) for k, v in self.utilities.items()},
            "rounds": self.rounds,
            "max_rounds": self.max_rounds,
            "offers": self.offers,
            "reason": self.reason,
            **{k: (round(v, 9) if np.isfinite(v) else None) for k, v in self.metrics.items()},
        }
        if self.comparisons is not None:
            out["comparisons"] = dict(self.comparisons)
        if self.discounted != self.utilities:
            out["discounted"] = {k: round(v, 9) for k, v in self.discounted.items()}
        if trace:
            out["trace"] = self.trace
        return out


def finish(model: CompiledModel, *, protocol: str, strategies: tuple[str, ...], seed: int,
           package: IntArray | None, rounds: int, max_rounds: int, offers: int, reason: str,
           factor: float | FloatArray, trace: list[dict[str, Any]]) -> NegotiationResult:
    """Assemble a result; utilities come from the compiled model (walk-away on breakdown).
    `factor` is the discount applied to the agreement: one for all, or one per party."""
    if package is not None:
        u = model.utilities(package)
        choices: dict[str, OptionValue] | None = model.decode(package)
    else:
        u = model.reservation.copy()
        factor = 1.0
        choices = None
    util = {p: float(v) for p, v in zip(model.party_ids, u, strict=True)}
    f = np.broadcast_to(np.asarray(factor, dtype=np.float64), (model.n_parties,))
    disc = ({p: v * float(fp) for (p, v), fp in zip(util.items(), f, strict=True)}
            if package is not None else dict(util))
    return NegotiationResult(
        protocol=protocol, scenario=model.scenario_id, parties=model.party_ids,
        strategies=strategies, seed=seed, agreement=package is not None,
        package=None if package is None else np.asarray(package, dtype=np.int64).copy(),
        choices=choices, utilities=util, discounted=disc, rounds=rounds,
        max_rounds=max_rounds, offers=offers, reason=reason, trace=trace,
    )
