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


def nash_set_distance(model: CompiledModel, utilities: FloatArray, share: float = 0.98,
                      limit: int = 10_000_000) -> tuple[float, float]:
    """(distance to the Nash set, distance to the Nash package) of a utility vector, by
    enumeration. The Nash set is every package within the red lines, at least every
    walk-away, whose Nash product is at least `share` of the largest: near-ties lie far apart
    on some domains, so a text in the set is as fair as the Nash package. nan when no package
    gives every party a gain."""
    from accord.solve.enumerate import chunks

    if model.size > limit:
        raise ValueError(f"{model.size:.3g} packages exceed the enumeration limit {limit:.3g}")
    pts, prods = [], []
    for _, pk in chunks(model):
        u = model.utilities(pk)
        g = u - model.reservation
        ok = model.within_red_lines(pk).all(axis=1) & (g > 0).all(axis=1)
        pts.append(u[ok])
        prods.append(np.prod(g[ok], axis=1))
    u_all, prod = np.concatenate(pts), np.concatenate(prods)
    if not prod.size:
        return float("nan"), float("nan")
    near = u_all[prod >= share * prod.max()]
    x = np.asarray(utilities, dtype=np.float64)
    return (float(np.linalg.norm(near - x, axis=1).min()),
            float(np.linalg.norm(u_all[int(np.argmax(prod))] - x)))
