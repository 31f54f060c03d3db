"""Small scenarios with reactions, built in code for the calibrate tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from accord.model import Scenario, parse_scenario

DATA = Path(__file__).resolve().parent / "data"
REACTIONS = DATA / "reactions.yaml"


def scenario(data: dict[str, Any]) -> Scenario:
    s, _ = parse_scenario(copy.deepcopy(data))
    return s


def one_party(plans: dict[str, dict[str, str]], statements: list[dict[str, Any]],
              *, reservation: float = 0.5, uncertainty: dict[str, Any] | None = None,
              weights: dict[str, float] | None = None,
              values: dict[str, dict[str, float]] | None = None,
              red_lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Party `a` over issues x and y (options lo, mid, hi), as plain data."""
    values = values or {"x": {"lo": 0, "mid": 0.5, "hi": 1}, "y": {"lo": 0, "mid": 0.3, "hi": 1}}
    pref: dict[str, Any] = {"weights": weights or {"x": 0.5, "y": 0.5}, "values": values}
    if uncertainty is not None:
        pref["uncertainty"] = uncertainty
    if red_lines:
        pref["red_lines"] = red_lines
    return {
        "scenario": "one", "title": "one party",
        "parties": [{"id": "a", "name": "A", "reservation": reservation}],
        "issues": [{"id": i, "name": i, "options": list(v)} for i, v in values.items()],
        "preferences": {"a": pref},
        "plans": [{"id": k, "title": k, "choices": c} for k, c in plans.items()],
        "statements": [{"kind": "reaction", "text": "t", "by": "a", **st} for st in statements],
    }
