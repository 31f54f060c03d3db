"""From a scenario to stakeholder data, and the explanation a mediator reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from accord.forecast import explain_table, from_scenario, load_source
from accord.io import load_scenario
from accord.model import Scenario


def test_positions_saliences_capabilities(small_scenario: Scenario) -> None:
    table = from_scenario(small_scenario)
    assert table.kind == "scenario" and [i.id for i in table.issues] == ["land", "cap", "bloc"]
    land, cap, bloc = table.issues
    assert land.actors == ("a", "b") and land.actor_names == ("Alpha", "Beta")
    assert land.position.tolist() == [0.0, 100.0]  # 'all' is first, 'none' last
    assert cap.options == ("none", "800000", "600000")
    # Alpha's weights 5:3:2, so its top issue (land) scores 100.
    assert land.salience[0] == pytest.approx(100) and cap.salience[0] == pytest.approx(60)
    assert bloc.salience[1] == pytest.approx(100)  # Beta: land 4, bloc 4
    assert land.capability.tolist() == [1.0, 1.0]  # no capability field: 1
    assert any("Mediator (m)" in s for s in land.skipped)


def test_capability_field_and_tied_favourites(small_data: dict[str, Any],
                                              write_scenario: Any) -> None:
    small_data["parties"][0]["capability"] = 0.7
    small_data["preferences"]["a"]["values"]["land"] = {"all": 1, "half": 1, "none": 0}
    table = from_scenario(load_scenario(write_scenario(small_data)))
    land = table.issues[0]
    assert land.capability.tolist() == [0.7, 1.0]
    assert land.position[0] == pytest.approx(25.0)  # tie between options 0 and 1: index 0.5


def test_explanation_names_who_pulls_where(small_path: Path) -> None:
    result = explain_table(load_source(small_path), "compromise")
    land = result.issues[0]
    assert land.place == "'half'" and land.forecast == pytest.approx(50)
    assert "Alpha" in land.text and "'all'" in land.text and "'none'" in land.text
    assert "an option none of them asks for" in land.text
    assert [p.share for p in land.pulls] == pytest.approx([0.5, 0.5])
    assert set(land.by_model) == {"compromise", "median", "bdm", "smp", "calibrated"}
    assert any("Left out: Mediator (m)" in n for n in result.notes)
    data = result.to_dict()
    assert data["issues"][0]["option"] == "half" and data["issues"][0]["options"][0] == "all"


def test_disagreement_is_flagged(small_path: Path) -> None:
    cap = explain_table(load_source(small_path), "calibrated").issues[1]
    assert "Treat this forecast as uncertain" in cap.text
    assert "fitted to EU legislative decisions" in " ".join(
        explain_table(load_source(small_path), "calibrated").notes)
    assert "fitted to EU" not in " ".join(explain_table(load_source(small_path)).notes)


def test_bdm_rounds_are_kept_when_bdm_is_chosen(small_path: Path) -> None:
    result = explain_table(load_source(small_path), "bdm")
    assert all(f.bdm_run is not None for f in result.issues)
    assert "bdm_rounds" in result.to_dict()["issues"][1]


def test_issue_selection(small_path: Path) -> None:
    table = load_source(small_path)
    assert [f.issue.id for f in explain_table(table, issues=["bloc"]).issues] == ["bloc"]
    with pytest.raises(KeyError, match="unknown issue nope"):
        explain_table(table, issues=["nope"])


def test_bundled_ukraine_case_forecasts_every_issue() -> None:
    scenario = load_scenario("ukraine-2025")
    result = explain_table(from_scenario(scenario))
    assert len(result.issues) == len(scenario.issues)
    for f in result.issues:
        assert f.issue.options and f.place.strip("'") in f.issue.options
        assert 0 <= f.forecast <= 100
        assert np.isclose(sum(p.share for p in f.pulls), 1.0)
        assert f.text.endswith(".")
    # The US is an interested mediator with preferences on four issues only (issue 16): it
    # takes a position exactly where it puts weight, and is not left out.
    us_weights = scenario.preferences["us"].weights
    held = {f.issue.id for f in result.issues if any(p.actor == "us" for p in f.pulls)}
    assert held == {i for i, w in us_weights.items() if w > 0}
    assert not any("United States" in n for n in result.notes)


def test_no_weight_means_no_position(small_data: dict[str, Any], write_scenario: Any) -> None:
    """Alpha puts no weight on the alliance: it has no position there (not a made-up middle
    one), so the models and the explanation see Beta alone, and Alpha is listed as skipped."""
    small_data["preferences"]["a"]["weights"] = {"land": 5, "cap": 3, "bloc": 0}
    small_data["preferences"]["a"]["values"]["bloc"] = {"join": 0, "neutral": 0}
    table = from_scenario(load_scenario(write_scenario(small_data)))
    land, cap, bloc = table.issues
    assert land.actors == ("a", "b") and bloc.actors == ("b",)
    assert bloc.position.tolist() == [100.0] and bloc.salience.tolist() == [100.0]
    assert any(s.startswith("Alpha (a): no weight on bloc") for s in bloc.skipped)
    assert not any("Alpha" in s for s in land.skipped)
    f = explain_table(table, "compromise").issues[2]
    assert set(f.by_model.values()) == {100.0}  # every model: Beta's 'neutral'
    assert [p.actor for p in f.pulls] == ["b"] and "Alpha" not in f.text
    d = f.to_dict()
    assert any("no weight on bloc" in s for s in d["skipped"])


def test_nobody_weighs_an_issue(small_data: dict[str, Any], write_scenario: Any) -> None:
    for pid in ("a", "b"):
        small_data["preferences"][pid]["weights"]["bloc"] = 0
        small_data["preferences"][pid]["values"]["bloc"] = {"join": 0, "neutral": 0}
    small_data["preferences"]["b"]["red_lines"] = []
    table = from_scenario(load_scenario(write_scenario(small_data)))
    assert table.issues[2].n == 0
    result = explain_table(table)
    assert [f.issue.id for f in result.issues] == ["land", "cap"]
    assert any("No actor has a position on bloc" in n for n in result.notes)


@pytest.mark.parametrize("noise", [-1e-9, 0.0, 1e-9])
def test_one_tolerance_turns_a_midpoint_into_one_option(small_scenario: Scenario,
                                                        noise: float) -> None:
    land = from_scenario(small_scenario).issues[0]  # all, half, none at 0, 50, 100
    assert land.nearest_option(25.0 + noise) == land.nearest_option(25.0) == (1, "half")
    assert land.nearest_option(75.0 + noise)[1] == "none"  # type: ignore[index]


def test_forecast_behind_a_red_line_is_flagged(small_data: dict[str, Any],
                                               write_scenario: Any) -> None:
    # Beta forbids every land option but 'none'; Alpha cares most: the forecast falls short.
    small_data["preferences"]["b"]["red_lines"] = [{"issue": "land", "forbid": ["all", "half"]}]
    s = load_scenario(write_scenario(small_data))
    result = explain_table(from_scenario(s), "compromise", ["land"])
    f = result.issues[0]
    assert f.to_dict()["option"] in ("all", "half")
    assert f.to_dict()["behind_red_lines"] == ["Beta"]
    assert "behind the red line of Beta" in f.text


def test_issue_not_ordered_for_a_party_is_said(small_data: dict[str, Any],
                                               write_scenario: Any) -> None:
    small_data["preferences"]["a"]["values"]["land"] = {"all": 1, "half": 0, "none": 0.5}
    s = load_scenario(write_scenario(small_data))
    f = explain_table(from_scenario(s), "compromise", ["land"]).issues[0]
    assert f.to_dict()["not_ordered_for"] == ["Alpha"]
    assert "not a scale for Alpha" in f.text
    ordered = explain_table(from_scenario(load_scenario(write_scenario(
        {**small_data, "preferences": {**small_data["preferences"]}}))), "compromise",
        ["cap"]).issues[0]
    assert ordered.to_dict()["not_ordered_for"] == []
