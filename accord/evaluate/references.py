"""Each plan against the reference packages: how far it is from the Nash and
Kalai-Smorodinsky packages, party by party, and which issues (and the plan's provisions on
them) would move to reach them (Nash 1950; Kalai and Smorodinsky 1975)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from accord.model.compiled import CompiledModel
from accord.solve import SolveResult, solve

if TYPE_CHECKING:
    from accord.evaluate import Analysis

def add_references(result: Analysis, time_limit: float = 20.0) -> None:
    """Write each plan's distance from the Nash and KS packages into its `extras`."""
    model: CompiledModel = result.model
    scenario = result.scenario
    if model.n_parties == 0:
        return
    refs: dict[str, SolveResult] = {}
    for method in ("nash", "ks"):
        try:
            refs[method] = solve(model, method, time_limit=time_limit)
        except ValueError:
            continue
    for score in result.plans:
        notes: list[str] = score.extras.setdefault("notes", [])
        try:
            plan = scenario.plan(score.plan_id)
            x = model.encode(plan.choices)
        except (KeyError, ValueError):
            continue
        u_plan = model.utilities(x)
        for method, res in refs.items():
            label = "Nash" if method == "nash" else "Kalai-Smorodinsky"
            if not res.packages:
                score.extras[method] = {"feasible": False, "message": res.message}
                notes.append(f"{label}: {res.message}")
                continue
            best = res.packages[0]
            u_best = model.utilities(best.package)  # every scored party, not only the objective's
            dist = {p: float(u_best[k] - u_plan[k]) for k, p in enumerate(model.party_ids)}
            moves = []
            for i in np.flatnonzero(best.package != x):
                iid = model.issue_ids[int(i)]
                points = [pv.point for pv in plan.provisions if pv.issue == iid]
                moves.append({"issue": iid, "from": model.raw_options[int(i)][int(x[i])],
                              "to": model.raw_options[int(i)][int(best.package[i])],
                              "provisions": points})
            score.extras[method] = {
                "choices": best.choices, "utilities": best.utilities,
                "distance": dist,
                "euclidean": float(np.sqrt(sum(v * v for v in dist.values()))),
                "moves": moves, "engine": res.engine, "optimal": res.optimal,
            }
            if not moves:
                notes.append(f"{label}: this plan is the {label} package.")
                continue
            d_txt = ", ".join(f"{p} {v:+.3f}" for p, v in dist.items())
            mv = "; ".join(_move_text(mv) for mv in moves)
            notes.append(f"{label} package ({res.engine}, "
                         f"{'proven optimal' if res.optimal else 'not proven'}) differs by "
                         f"{d_txt}; it would move {mv}.")


def _move_text(move: dict[str, Any]) -> str:
    points = [str(q) for q in move["provisions"]]
    where = f" (point {', '.join(points)})" if points else ""
    return f"{move['issue']}: {move['from']} -> {move['to']}{where}"


