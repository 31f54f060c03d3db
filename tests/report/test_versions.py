from __future__ import annotations

import pytest

from accord.evaluate import score_plan
from accord.model import Scenario, compile_scenario
from accord.report import diff_plans, render_diff_text
from accord.report.versions import plan_order, timeline


def test_mark_up_carries_over_unrestated_points(fixture_scenario: Scenario) -> None:
    d = diff_plans(fixture_scenario, "p1", "p2")
    status = {p.key: p.status for p in d.provisions}
    assert status == {"1": "changed", "2": "changed", "3": "unchanged", "4": "unchanged",
                      "5": "added"}
    carried = next(p for p in d.provisions if p.key == "3")
    assert (carried.origin_a, carried.origin_b) == ("p1", "p1")
    assert d.counts == {"added": 1, "removed": 0, "changed": 2, "unchanged": 2}
    assert [c.issue for c in d.choices] == ["land", "cap"]


def test_fresh_text_removes_points(fixture_scenario: Scenario) -> None:
    d = diff_plans(fixture_scenario, "p2", "p3")
    assert d.counts["removed"] == 5 and d.counts["added"] == 0


def test_issue_moves_sum_to_the_scored_utility_change(fixture_scenario: Scenario) -> None:
    model = compile_scenario(fixture_scenario)
    for a, b in [("p1", "p2"), ("p2", "p3"), ("p3", "p1")]:
        d = diff_plans(fixture_scenario, a, b, model)
        ua = {v.id: v.utility for v in score_plan(fixture_scenario, model, a,
                                                  find_improvement=False).parties}
        ub = {v.id: v.utility for v in score_plan(fixture_scenario, model, b,
                                                  find_improvement=False).parties}
        for m in d.parties:
            assert m.delta == pytest.approx(ub[m.party] - ua[m.party])
            assert sum(c.utility[m.party] for c in d.choices) == pytest.approx(m.delta)


def test_text_and_json(fixture_scenario: Scenario) -> None:
    d = diff_plans(fixture_scenario, "p1", "p2")
    text = render_diff_text(d)
    assert "  ~ point 1 [land] (text, sources changed)" in text
    assert "  + point 5: Elections follow signing." in text
    assert "Alpha (a): 0.000 -> 0.430 (+0.430); walk-away 0.300; rejects -> accepts" in text
    js = d.to_dict()
    assert js["b_based_on_a"] is True
    assert [p["point"] for p in js["provisions"]] == ["1", "2", "5"]
    assert js["choices_changed"][0] == {"issue": "land", "from": "none", "to": "half",
                                        "utility_change": {"a": 0.25, "b": -0.16}}


def test_timeline_orders_by_date_and_uses_based_on(fixture_scenario: Scenario) -> None:
    model = compile_scenario(fixture_scenario)
    scores = {p.id: score_plan(fixture_scenario, model, p.id, find_improvement=False)
              for p in fixture_scenario.plans}
    assert [p.id for p in plan_order(fixture_scenario)] == ["p1", "p2", "p3"]
    steps = timeline(fixture_scenario, model, scores)
    assert [(s.plan.id, s.parent) for s in steps] == [("p1", None), ("p2", "p1"), ("p3", "p2")]


def test_diff_against_an_open_plan_shows_its_range_and_three_valued_verdict() -> None:
    """An open plan's utility is a range and its verdict all/some/none; the diff used to print
    the range's low end as if it were the utility and 'rejects' for 'accepts in some'."""
    from accord.io import load_scenario

    s = load_scenario("river-basin")
    model = compile_scenario(s)
    d = diff_plans(s, "upstream-offer", "framework-draft", model)
    score = score_plan(s, model, "framework-draft", find_improvement=False)
    text = render_diff_text(d)
    for v in score.parties:
        assert v.range is not None and v.verdict is not None
        m = next(m for m in d.parties if m.party == v.id)
        assert m.range_b == (v.range.low, v.range.high) and m.verdict_b == v.verdict
        assert m.range_a is None and m.verdict_a is None
        assert f"{v.range.low:.3f} to {v.range.high:.3f}" in text
        assert f"accepts in {v.verdict}" in text
    row = next(p for p in d.to_dict()["parties"] if p["id"] == score.parties[0].id)
    assert row["verdict_b"] == score.parties[0].verdict and "range_a" not in row
