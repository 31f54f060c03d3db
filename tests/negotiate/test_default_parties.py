"""`simulate` and `tournament` negotiate among the parties `analyze` and `solve` require to
agree (every party with preferences, stakeholders included), so an agreement never crosses a
required party's red line and "distance to Nash" uses `solve`'s Nash package (issue 11)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from accord.io import load_scenario
from accord.model import compile_scenario
from accord.negotiate.tournament import default_parties
from accord.solve import solve


def _with_stakeholder(data: dict[str, Any]) -> dict[str, Any]:
    """small.yaml plus a stakeholder with preferences whose red line forbids land=all."""
    data["parties"].append({"id": "s", "name": "Neighbour", "role": "stakeholder",
                            "reservation": 0.2})
    data["preferences"]["s"] = {
        "weights": {"land": 3, "cap": 1, "bloc": 1},
        "values": {"land": {"all": 0, "half": 1, "none": 0.5},
                   "cap": {"none": 0, 800000: 1, 600000: 0.5},
                   "bloc": {"join": 0.5, "neutral": 1}},
        "red_lines": [{"issue": "land", "forbid": ["all"]}],
    }
    return data


def test_default_parties_are_the_scored_parties(small_data, write_scenario) -> None:  # type: ignore[no-untyped-def]
    s = load_scenario(write_scenario(_with_stakeholder(small_data)))
    assert default_parties(s) == ["a", "b", "s"] == list(s.scored_party_ids)


def test_simulate_defaults_to_every_required_party_and_solves_nash(  # type: ignore[no-untyped-def]
        cli, small_data, write_scenario) -> None:
    path = write_scenario(_with_stakeholder(small_data))
    r = cli("simulate", path, "--repeat", "6", "--rounds", "30", "-f", "json")
    assert r.code == 0, r.stderr
    out = json.loads(r.stdout)
    model = compile_scenario(load_scenario(path))
    for run in out["runs"]:
        assert run["parties"] == ["a", "b", "s"] and run["protocol"] == "stacked"
        if run["agreement"]:
            x = model.encode(run["choices"])
            assert model.accepts(x).all()  # the stakeholder's red line included
            assert run["choices"]["land"] != "all"
    nash = solve(model, "nash").best
    assert nash is not None
    assert out["reference"]["nash"] == {p: nash.utilities[p] for p in model.party_ids}
    for run in out["runs"]:
        u = np.array([run["utilities"][p] for p in model.party_ids])
        n = np.array([nash.utilities[p] for p in model.party_ids])
        assert run["nash_distance"] == round(float(np.linalg.norm(u - n)), 9)


def test_tournament_defaults_to_every_required_party(small_data, write_scenario,  # type: ignore[no-untyped-def]
                                                     cli, tmp_path: Path) -> None:
    path = write_scenario(_with_stakeholder(small_data))
    out = tmp_path / "rows.csv"
    r = cli("tournament", path, "--strategies", "conceder", "--repeat", "2", "--rounds", "20",
            "--workers", "1", "-o", out)
    assert r.code == 0, r.stderr
    rows = list(csv.DictReader(out.open()))
    assert {(row["party_1"], row["party_2"], row["party_3"]) for row in rows} == {("a", "b", "s")}


def test_private_red_lines_flag(cli, small_data, write_scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_scenario(_with_stakeholder(small_data))
    reveals = {}
    for flag in ([], ["--private-red-lines"]):
        trace = tmp_path / f"trace{len(flag)}.jsonl"
        r = cli("simulate", path, *flag, "--repeat", "5", "--rounds", "30", "--trace", trace)
        assert r.code == 0, r.stderr
        events = [json.loads(line) for line in trace.read_text().splitlines()]
        reveals[bool(flag)] = [e for e in events if e.get("reveals")]
    assert reveals[True] and not reveals[False]  # declared red lines need no revealing
    r = cli("tournament", path, "--strategies", "linear", "--repeat", "1", "--rounds", "20",
            "--workers", "1", "--private-red-lines", "-f", "json")
    assert r.code == 0, r.stderr
