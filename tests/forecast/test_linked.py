"""Forecasts of scenarios with constraints and an interested mediator."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from accord.forecast import explain_table, from_scenario
from accord.model import parse_scenario

RIVER = Path(__file__).resolve().parents[2] / "accord" / "scenarios" / "river-basin.yaml"


def _river() -> dict:
    return YAML(typ="safe", pure=True).load(RIVER.read_text(encoding="utf-8"))


def test_a_forecast_violating_a_constraint_is_flagged() -> None:
    data = _river()
    s, _ = parse_scenario(data)
    base = explain_table(from_scenario(s))
    assert base.violates == () and base.to_dict()["coherent"] is True
    chosen = {f.issue.id: f.to_dict()["option"] for f in base.issues}
    # a constraint on exactly the forecast's dam and share options makes it incoherent
    data["constraints"].append({"id": "forecast-pair",
                                "forbid": {"dam": [chosen["dam"]], "share": [chosen["share"]]}})
    s2, _ = parse_scenario(data)
    res = explain_table(from_scenario(s2))
    assert res.violates == ("forecast-pair",)
    d = res.to_dict()
    assert d["coherent"] is False and d["violates"] == ["forecast-pair"]
    assert any("forecast-pair" in n for n in d["notes"])


def test_an_interested_mediator_takes_part_with_its_capability() -> None:
    data = _river()
    for p in data["parties"]:
        if p["id"] == "bank":
            p["capability"] = 0.3
    s, _ = parse_scenario(data)
    res = explain_table(from_scenario(s))
    fin = next(f for f in res.issues if f.issue.id == "financing")
    bank = next(p for p in fin.pulls if p.actor == "bank")
    assert bank.capability == 0.3 and bank.share > 0
