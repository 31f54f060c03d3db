"""Plan analysis with linked constructs against a brute force (hypothesis): utility ranges and
three-valued verdicts over the valid completions of open issues, `blocks` under consent,
agreement, and Pareto efficiency with the plan's own red-line crossings exempt by identity."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import (
    linked_scenario_dicts,
    oracle_accepts,
    oracle_admissible,
    oracle_bargaining_set,
    oracle_blocks,
    oracle_utility,
    oracle_valid,
    packages,
)

from accord.evaluate import analyze
from accord.model import ScenarioError, compile_scenario, parse_scenario

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _tri(flags: list[bool]) -> str:
    return "all" if all(flags) else ("some" if any(flags) else "none")


def _completions(scenario: Any, plan: Any) -> list[dict[str, Any]]:
    opts = [scenario.issue(i).options for i in plan.open]
    out = []
    for combo in itertools.product(*opts):
        c = {**plan.choices, **dict(zip(plan.open, combo, strict=True))}
        out.append({i.id: c[i.id] for i in scenario.issues})
    return out


@SETTINGS
@given(st.data())
def test_plan_verdicts_equal_brute_force(data: st.DataObject) -> None:
    try:
        scenario = parse_scenario(linked_scenario_dicts(data.draw))[0]
    except ScenarioError:
        return
    plan = scenario.plans[0]
    score = analyze(scenario, find_improvement=True).plans[0]
    comps = _completions(scenario, plan)
    valid = [c for c in comps if oracle_valid(scenario, c)] or comps
    for v in score.parties:
        us = [oracle_utility(scenario, v.id, c) for c in valid]
        acc = [oracle_accepts(scenario, v.id, c) for c in valid]
        blk = [oracle_blocks(scenario, v.id, c) for c in valid]
        if plan.open:
            assert v.range is not None
            assert abs(v.range.low - min(us)) < 1e-9 and abs(v.range.high - max(us)) < 1e-9
            assert v.verdict == _tri(acc)
            assert v.blocks == _tri(blk)
        else:
            assert abs(v.utility - us[0]) < 1e-9
            assert v.accepts == acc[0] and v.blocks == blk[0]
    agree = [not any(oracle_blocks(scenario, p, c) for p in scenario.scored_party_ids)
             for c in valid]
    assert score.agreement == (_tri(agree) if plan.open else agree[0])
    if plan.open:
        assert score.completions == sum(oracle_valid(scenario, c) for c in comps)
        return
    # Efficiency among valid packages crossing no binding red line but the plan's own.
    x = valid[0]
    bset = oracle_bargaining_set(scenario)
    if not bset:
        return
    base = np.array([oracle_utility(scenario, p, x) for p in bset])
    gains = [np.array([oracle_utility(scenario, p, c) for p in bset]) - base
             for c in packages(scenario) if oracle_admissible(scenario, c, exempt=x)]
    improvable = any((g >= -1e-9).all() and g.sum() > 1e-9 for g in gains)
    borderline = any((g >= -1e-5).all() and g.sum() > 1e-9 and not (g >= -1e-9).all()
                     for g in gains)
    if borderline:
        return
    if improvable:
        assert score.pareto_efficient is False
        assert score.improvement is not None
        assert oracle_admissible(scenario, score.improvement.choices, exempt=x)
    elif oracle_valid(scenario, x):
        assert score.pareto_efficient is True


def test_river_basin_example_shows_each_construct() -> None:
    from accord.io import load_scenario

    scenario = load_scenario("river-basin")
    model = compile_scenario(scenario)
    assert model.bargaining_set == ("upstream", "downstream")
    result = {p.plan_id: p for p in analyze(scenario, find_improvement=False).plans}
    draft = result["framework-draft"]
    assert draft.open == ["dam", "env_flow"] and draft.agreement == "some"
    offer = {v.id: v for v in result["upstream-offer"].parties}
    assert offer["fishers"].accepts is False and offer["fishers"].blocks is False
    assert offer["downstream"].blocks is True
    press = result["press-summary"]
    assert press.violates == ["high-dam-no-seasonal-flow"]
    down = {v.id: v for v in press.parties}["downstream"]
    assert down.lifted and down.lifted[0].startswith("downstream-high-dam")
