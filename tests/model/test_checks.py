"""Validation added after the review: based_on cycles, values without weight, two walk-aways."""

from __future__ import annotations

from typing import Any

import pytest

from accord.model import ScenarioError, parse_scenario


def test_based_on_cycle_is_an_error_reported_once(small_data: dict[str, Any]) -> None:
    small_data["plans"][0]["based_on"] = "p2"  # p2 is based on p1 already
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(small_data)
    cycles = [p for p in exc.value.problems if "cycle" in p.message]
    assert len(cycles) == 1 and "p1 -> p2 -> p1" in cycles[0].message
    assert cycles[0].path == ("plans", 0, "based_on")


def test_plan_based_on_itself(small_data: dict[str, Any]) -> None:
    small_data["plans"][1]["based_on"] = "p2"
    with pytest.raises(ScenarioError, match="p2 -> p2"):
        parse_scenario(small_data)


def test_values_without_weight_warn(small_data: dict[str, Any]) -> None:
    del small_data["preferences"]["a"]["weights"]["bloc"]
    _, warnings = parse_scenario(small_data)
    hits = [w for w in warnings if "has values but no weight" in w.message]
    assert len(hits) == 1 and hits[0].path == ("preferences", "a", "values", "bloc")


def test_point_interval_contradicting_reservation_is_an_error(small_data: dict[str, Any]
                                                              ) -> None:
    small_data["preferences"]["a"]["uncertainty"] = {"reservation": {"low": 0.6, "high": 0.6}}
    with pytest.raises(ScenarioError, match="contradicts the stated reservation 0.3"):
        parse_scenario(small_data)


def test_point_interval_equal_to_reservation_is_fine(small_data: dict[str, Any]) -> None:
    small_data["preferences"]["a"]["uncertainty"] = {"reservation": {"low": 0.3, "high": 0.3}}
    _, warnings = parse_scenario(small_data)
    assert not [w for w in warnings if "reservation" in w.message]


def test_interval_excluding_reservation_warns(small_data: dict[str, Any]) -> None:
    small_data["preferences"]["a"]["uncertainty"] = {"reservation": {"low": 0.4, "high": 0.6}}
    _, warnings = parse_scenario(small_data)
    assert [w for w in warnings if "excludes the stated reservation 0.3" in w.message]


def test_missing_option_is_reported_once_with_every_use(small_data: dict[str, Any]) -> None:
    small_data["issues"][0]["options"] = ["all", "half"]  # 'none' removed from the list
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(small_data)
    about_none = [p for p in exc.value.problems if "'none'" in p.message]
    assert len(about_none) == 1
    msg = about_none[0].message
    assert "yet 4 places use it" in msg and "plans[0].choices.land" in msg
    assert "add 'none' to the options of issue 'land'" in about_none[0].hint


def test_duplicated_option_is_one_line(small_data: dict[str, Any]) -> None:
    small_data["issues"][0]["options"] = ["all", "half", "none", "none"]
    del small_data["preferences"]["b"]["values"]["land"]["none"]
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(small_data)
    lines = [str(p) for p in exc.value.problems]
    assert sum("'none' is listed 2 times" in s for s in lines) == 1
    assert not any("'none', 'none'" in s for s in lines)


def test_an_unknown_option_of_a_huge_issue_gets_a_short_fix() -> None:
    """An issue with 50,000 options: the fix for an unknown option names a dozen and how many
    more, so a file of many such mistakes is validated in time linear in its size (it was
    quadratic: every message listed every option; a fuzzed GeniusWeb domain hit it)."""
    from accord.model import validate_data

    n = 50_000
    data = {
        "scenario": "huge", "title": "huge",
        "issues": [{"id": "x", "name": "x", "options": list(range(n))}],
        "parties": [{"id": "a", "name": "a"}, {"id": "b", "name": "b"}],
        "preferences": {p: {"weights": {"x": 1}, "values": {"x": {str(n + k): 0.5
                                                                 for k in range(200)}}}
                        for p in ("a", "b")},
    }
    problems = [p for p in validate_data(data) if "is not an option" in p.message]
    assert len(problems) == 200  # one per unknown option, naming both places
    assert all(len(str(p)) < 600 and f"({n - 12} more)" in str(p) for p in problems)
