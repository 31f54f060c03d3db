"""How good an outcome is: social welfare, and its distance in utility space to the Nash
bargaining package (Nash 1950) and to the Pareto frontier, both from `accord.solve`.

A breakdown is scored at the walk-away point (what each party gets without agreement), so
its distances measure what the failed negotiation left on the table. The Nash package and the
frontier are the bargaining set's (the parties with consent `all`, as `accord.solve` defines
them); their points are every scored party's utilities of those packages, so a party with
limited or no consent (an interested mediator) is measured too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accord.model.compiled import CompiledModel, FloatArray
from accord.negotiate.result import NegotiationResult


@dataclass(frozen=True)
class Reference:
    """The reference points of one model: Nash utilities and the frontier's points."""

    parties: tuple[str, ...]
    nash: FloatArray | None
    frontier: FloatArray
    note: str = ""


def reference(model: CompiledModel, time_limit: float | None = 30.0) -> Reference:
    """Nash package (with walk-aways as disagreement point) and frontier, via accord.solve."""
    from accord.solve import frontier, solve

    notes = []
    res = solve(model, method="nash", time_limit=time_limit)
    nash = None
    if res.feasible and res.best is not None:
        nash = np.asarray(model.utilities(np.asarray(res.best.package)), dtype=np.float64)
    else:
        notes.append(f"no Nash package: {res.message}")
    front = frontier(model, time_limit=time_limit)
    pk = np.asarray(front.packages, dtype=np.int64).reshape(-1, model.n_issues)
    pts = np.asarray(model.utilities(pk), dtype=np.float64).reshape(-1, model.n_parties)
    if not pts.size:
        notes.append("empty Pareto frontier")
    elif not front.exact:
        notes.append("frontier approximate")
    return Reference(model.party_ids, nash, pts, "; ".join(notes))


def score(result: NegotiationResult, ref: Reference) -> NegotiationResult:
    """Fill `result.metrics` (welfare, nash_distance, frontier_distance); returns it."""
    u = np.array([result.utilities[p] for p in ref.parties])
    result.metrics["welfare"] = float(u.sum())
    result.metrics["nash_distance"] = (
        float(np.linalg.norm(u - ref.nash)) if ref.nash is not None else float("nan")
    )
    result.metrics["frontier_distance"] = (
        float(np.linalg.norm(ref.frontier - u, axis=1).min()) if ref.frontier.size
        else float("nan")
    )
    return result
