"""Small scenarios built in code for the uncertainty tests."""

from __future__ import annotations

import copy
from typing import Any

from accord.model import Scenario, parse_scenario


def scenario(data: dict[str, Any]) -> Scenario:
    s, _ = parse_scenario(copy.deepcopy(data))
    return s


def one_party(weights: dict[str, float], values: dict[str, dict[str, float]],
              choices: dict[str, str], reservation: float,
              uncertainty: dict[str, Any] | None) -> Scenario:
    """One scored party over the given issues (options are the value keys)."""
    pref: dict[str, Any] = {"weights": weights, "values": values}
    if uncertainty is not None:
        pref["uncertainty"] = uncertainty
    return scenario({
        "scenario": "analytic", "title": "analytic",
        "parties": [{"id": "a", "name": "A", "reservation": reservation}],
        "issues": [{"id": i, "name": i, "options": list(v)} for i, v in values.items()],
        "preferences": {"a": pref},
        "plans": [{"id": "p", "title": "p", "choices": choices}],
    })
