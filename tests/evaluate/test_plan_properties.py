"""Plan scoring against brute force over every package, on random small scenarios.

Eligible packages (the ones the efficiency verdict compares with) cross no party's red line,
except that the plan's own option on an issue stays allowed (accord/evaluate/plan.py). The
brute force below enumerates with itertools.product and evaluates from the Scenario's dicts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import oracle_utility, packages

from accord.evaluate import analyze, score_plan
from accord.model import Scenario, compile_scenario, option_key, parse_scenario
from accord.solve import solve

PROPS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOL = 1e-6


def forbidden_by_anyone(scenario: Scenario, issue: str, option: Any) -> bool:
    return any(
        rl.issue == issue and option_key(option) in {option_key(o) for o in rl.forbid}
        for pref in scenario.preferences.values()
        for rl in pref.red_lines
    )


def crossed(scenario: Scenario, pid: str, c: dict[str, Any]) -> list[str]:
    return [
        rl.issue
        for rl in scenario.preferences[pid].red_lines
        if option_key(c[rl.issue]) in {option_key(o) for o in rl.forbid}
    ]


def eligible(scenario: Scenario, plan: dict[str, Any], c: dict[str, Any]) -> bool:
    return all(
        option_key(c[i]) == option_key(plan[i]) or not forbidden_by_anyone(scenario, i, c[i])
        for i in c
    )


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: option_key(v) for k, v in a.items()} == {k: option_key(v) for k, v in b.items()}


def check_against_brute_force(scenario: Scenario, plan_id: str) -> None:
    model = compile_scenario(scenario)
    score = score_plan(scenario, model, plan_id)
    plan = dict(scenario.plan(plan_id).choices)
    pids = list(model.party_ids)
    base = np.array([oracle_utility(scenario, p, plan) for p in pids])

    # Verdicts, reasons and concessions from the numbers.
    assert [v.id for v in score.parties] == pids
    for v, u in zip(score.parties, base, strict=True):
        lines = crossed(scenario, v.id, plan)
        reservation = scenario.party(v.id).reservation or 0.0
        assert v.utility == pytest.approx(u, abs=1e-12)
        assert v.reservation == reservation
        assert v.accepts == (not lines and u >= reservation - 1e-12)
        assert sorted(r.issue for r in v.red_lines) == sorted(lines)
        assert len(v.reasons) >= 1
        for issue in lines:
            assert any(issue in r and "red line" in r for r in v.reasons)
        assert any("below" in r for r in v.reasons) == (u < reservation - 1e-12)
        pref = scenario.preferences[v.id]
        for iss in scenario.issues:
            w, table = pref.weights[iss.id], pref.values[iss.id]
            lost = w * (max(table.values()) - table[option_key(plan[iss.id])])
            assert score.concessions[v.id][iss.id] == pytest.approx(lost, abs=1e-12)
    assert score.all_accept == all(v.accepts for v in score.parties)

    # Efficiency and the improvement, by brute force over eligible packages.
    cands = [c for c in packages(scenario) if eligible(scenario, plan, c)]
    assert any(same(c, plan) for c in cands), "the plan itself is always eligible"
    gains = np.array([[oracle_utility(scenario, p, c) for p in pids] for c in cands]) - base
    dominating = (gains >= -1e-9).all(axis=1) & (gains > TOL).any(axis=1)
    best_min_gain = gains.min(axis=1).max()
    if score.pareto_efficient:
        assert score.improvement is None
        assert not dominating.any(), [cands[k] for k in np.flatnonzero(dominating)][:1]
    else:
        imp = score.improvement
        assert imp is not None
        assert eligible(scenario, plan, imp.choices)
        got = np.array([oracle_utility(scenario, p, imp.choices) for p in pids])
        np.testing.assert_allclose([imp.utilities[p] for p in pids], got, atol=1e-9)
        g = got - base
        assert (g >= -TOL).all() and (g > TOL).any(), "nobody worse off, somebody better off"
        assert g.min() == pytest.approx(best_min_gain, abs=TOL)
        np.testing.assert_allclose([imp.gains[p] for p in pids], g, atol=1e-9)
        changed = {i for i in plan if option_key(plan[i]) != option_key(imp.choices[i])}
        assert set(imp.changes) == changed
        assert dominating.any()


@PROPS
@given(data=st.data())
def test_score_plan_agrees_with_brute_force(data, scenario_dicts):
    scenario, _ = parse_scenario(data.draw(scenario_dicts(max_options=3)))
    for plan in scenario.plans:
        check_against_brute_force(scenario, plan.id)


@PROPS
@given(data=st.data())
def test_score_plan_agrees_with_brute_force_without_red_lines(data, scenario_dicts):
    """Without red lines every package is eligible: the plain Pareto test."""
    raw = data.draw(scenario_dicts(max_options=3))
    for pref in raw["preferences"].values():
        pref["red_lines"] = []
    scenario, _ = parse_scenario(raw)
    check_against_brute_force(scenario, scenario.plans[0].id)


def test_small_scenario_plans(small_scenario):
    for plan in small_scenario.plans:
        check_against_brute_force(small_scenario, plan.id)


@PROPS
@given(data=st.data())
def test_engines_agree_on_the_max_min_gain(data, scenario_dicts):
    scenario, _ = parse_scenario(data.draw(scenario_dicts(grid=data.draw(st.booleans()))))
    model = compile_scenario(scenario)
    c = data.draw(st.sampled_from(packages(scenario)))
    x = model.encode(c)
    kw = {
        "respect_red_lines": data.draw(st.booleans()),
        "individual_rationality": data.draw(st.booleans()),
    }
    if data.draw(st.booleans()):
        kw["exempt"] = x
    base_u = model.utilities(x)
    found = {}
    for engine in ("enumeration", "milp", "dp"):
        if engine == "dp" and model.n_parties != 2:
            continue
        res = solve(model, "maxmin-gain", baseline=x, engine=engine, **kw)
        assert res.optimal
        found[engine] = res
    feasible = {e: bool(r.packages) for e, r in found.items()}
    assert len(set(feasible.values())) == 1, feasible
    enum = found["enumeration"]
    if not enum.packages:
        return
    gains = {e: float((model.utilities(r.packages[0].package) - base_u).min())
             for e, r in found.items()}
    for g in gains.values():
        assert g == pytest.approx(gains["enumeration"], abs=TOL)
    # Each engine's package is feasible.
    for res in found.values():
        pkg = res.packages[0].package
        if kw["individual_rationality"]:
            assert (model.utilities(pkg) >= model.reservation - TOL).all()
        if kw["respect_red_lines"]:
            viol = model.violations(pkg)[0].any(axis=0)
            if "exempt" in kw:
                viol &= np.asarray(pkg) != x
            assert not viol.any()
    # Brute-force max-min over the same feasible set.
    allowed = []
    for cand in packages(scenario):
        y = model.encode(cand)
        if kw["respect_red_lines"]:
            bad = [
                forbidden_by_anyone(scenario, i, cand[i])
                and not ("exempt" in kw and option_key(cand[i]) == option_key(c[i]))
                for i in cand
            ]
            if any(bad):
                continue
        u = np.array([oracle_utility(scenario, p, cand) for p in model.party_ids])
        if kw["individual_rationality"] and (u < model.reservation - 1e-12).any():
            continue
        allowed.append((u - model.utilities(x)).min())
        del y
    assert gains["enumeration"] == pytest.approx(max(allowed), abs=1e-9)


def test_analyze_scores_every_plan_by_default(small_scenario):
    result = analyze(small_scenario)
    assert [p.plan_id for p in result.plans] == [p.id for p in small_scenario.plans]
    assert result.to_dict()["scenario"] == small_scenario.scenario
