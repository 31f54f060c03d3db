"""Every engine agrees with an independent brute force on random scenarios with constraints,
conditional red lines and every consent kind (hypothesis): Nash, Kalai-Smorodinsky,
egalitarian, utilitarian, max-min gain and the two-party frontier; infeasibility names an
irreducible set."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import (
    linked_scenario_dicts,
    oracle_admissible,
    oracle_bargaining_set,
    oracle_utility,
    packages,
)

from accord.model import ScenarioError, compile_scenario, parse_scenario
from accord.solve import frontier, solve

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ENGINES = ["enumeration", "milp", "auto"]


def _scenario(draw: Any) -> Any:
    try:
        return parse_scenario(linked_scenario_dicts(draw))[0]
    except ScenarioError:
        return None


def _feasible(scenario: Any, parties: list[str], floor: bool) -> tuple[list[Any], np.ndarray]:
    """Admissible packages (meeting walk-aways when `floor`) and their utilities."""
    out, us = [], []
    for c in packages(scenario):
        if not oracle_admissible(scenario, c):
            continue
        u = [oracle_utility(scenario, p, c) for p in parties]
        res = [scenario.party(p).reservation or 0.0 for p in parties]
        if floor and any(a < r - 1e-12 for a, r in zip(u, res, strict=True)):
            continue
        out.append(c)
        us.append(u)
    return out, np.array(us).reshape(-1, len(parties))


def _best(method: str, u: np.ndarray, d: np.ndarray, base: np.ndarray | None) -> float:
    if method == "utilitarian":
        return float(u.sum(axis=1).max())
    if method == "egalitarian":
        return float(u.min(axis=1).max())
    if method == "maxmin-gain":
        assert base is not None
        return float((u - base).min(axis=1).max())
    if method == "nash":
        g = u - d
        pos = (g > 0).all(axis=1)
        return float(np.log(g[pos]).sum(axis=1).max()) if pos.any() else -math.inf
    ideal = u.max(axis=0)
    rng = ideal - d
    act = rng > 1e-6
    if not act.any():
        return 0.0
    return float(((u - d)[:, act] / rng[act]).min(axis=1).max())


def _value(method: str, u: np.ndarray, d: np.ndarray, base: np.ndarray | None,
           ideal: np.ndarray) -> float:
    if method != "ks":
        return _best(method, u[None], d, base)
    act = ideal - d > 1e-6
    return float(min((u - d)[act] / (ideal - d)[act], default=0.0))


@SETTINGS
@given(st.data(), st.sampled_from(["nash", "ks", "egalitarian", "utilitarian", "maxmin-gain"]))
def test_engines_equal_brute_force(data: st.DataObject, method: str) -> None:
    scenario = _scenario(data.draw)
    if scenario is None:
        return
    model = compile_scenario(scenario)
    parties = oracle_bargaining_set(scenario)
    assert list(model.bargaining_set) == parties
    cands, u = _feasible(scenario, parties, floor=True)
    d = np.array([scenario.party(p).reservation or 0.0 for p in parties])
    base_choices = packages(scenario)[0]
    base = np.array([oracle_utility(scenario, p, base_choices) for p in parties])
    for engine in ENGINES + (["dp"] if len(parties) == 2 else []):
        res = solve(model, method, engine=engine,
                    baseline=model.encode(base_choices) if method == "maxmin-gain" else None)
        assert list(res.parties) == parties
        assert res.details["engine_reason"]
        if not cands:
            assert not res.packages and res.optimal
            continue
        assert res.packages, (engine, res.message)
        got = res.packages[0]
        assert oracle_admissible(scenario, got.choices)
        gu = np.array([oracle_utility(scenario, p, got.choices) for p in parties])
        assert (gu >= d - 1e-9).all()
        want = _best(method, u, d, base)
        have = _value(method, gu, d, base, u.max(axis=0))
        if math.isinf(want):
            assert math.isinf(have)
            continue
        tol = 1e-5 if method == "nash" else 1e-7
        assert have >= want - tol, (engine, method, have, want)


@SETTINGS
@given(st.data())
def test_two_party_frontier_equals_brute_force(data: st.DataObject) -> None:
    scenario = _scenario(data.draw)
    if scenario is None:
        return
    model = compile_scenario(scenario)
    pair = list(model.party_ids[:2])
    _, u = _feasible(scenario, pair, floor=False)
    want = set()
    for k in range(len(u)):
        if not ((u >= u[k] - 1e-12).all(axis=1) & (u > u[k] + 1e-12).any(axis=1)).any():
            want.add(tuple(np.round(u[k], 9)))
    front = frontier(model, pair)
    assert front.exact
    got = {tuple(np.round(row, 9)) for row in front.utilities}
    assert got == want
    for x in front.packages:
        assert oracle_admissible(scenario, model.decode(x))


def test_infeasibility_names_an_irreducible_set() -> None:
    issues = [{"id": f"i{k}", "name": f"I{k}", "options": ["a", "b", "c"]} for k in range(4)]
    data = {
        "scenario": "t", "title": "t",
        "parties": [{"id": "p", "name": "P", "reservation": 0},
                    {"id": "q", "name": "Q", "reservation": 0}],
        "issues": issues,
        "constraints": [{"id": "no-a-with-b", "forbid": {"i0": ["a"], "i1": ["b", "c"]}},
                        {"id": "harmless", "forbid": {"i2": ["a"], "i3": ["a"]}}],
        "preferences": {
            "p": {"weights": {"i0": 1}, "values": {"i0": {"a": 1, "b": 0, "c": 0}},
                  "red_lines": [{"id": "p-i0", "issue": "i0", "forbid": ["b", "c"]},
                                {"id": "p-i2", "issue": "i2", "forbid": ["b"]}]},
            "q": {"weights": {"i1": 1}, "values": {"i1": {"a": 0, "b": 1, "c": 1}},
                  "red_lines": [{"id": "q-i1", "issue": "i1", "forbid": ["a"],
                                 "unless": {"i2": ["b"]}}]},
        },
    }
    model = compile_scenario(parse_scenario(data)[0])
    res = solve(model, "nash")
    assert not res.packages and res.optimal
    # i0 must be a (p-i0), so i1 cannot be b or c (no-a-with-b), so i1 = a crosses q-i1
    # unless i2 = b, which p-i2 forbids; "harmless" plays no part.
    assert sorted(res.details["conflict"]) == ["no-a-with-b", "p-i0", "p-i2", "q-i1"]
    assert "irreducible" in res.message


@pytest.mark.parametrize("engine", ["enumeration", "milp"])
def test_complete_keeps_fixed_issues(engine: str) -> None:
    data = {
        "scenario": "t", "title": "t",
        "parties": [{"id": "p", "name": "P", "reservation": 0},
                    {"id": "q", "name": "Q", "reservation": 0}],
        "issues": [{"id": f"i{k}", "name": f"I{k}", "options": ["a", "b"]} for k in range(3)],
        "preferences": {
            "p": {"weights": {"i0": 1, "i1": 1, "i2": 1},
                  "values": {f"i{k}": {"a": 1, "b": 0} for k in range(3)}},
            "q": {"weights": {"i0": 1, "i1": 1, "i2": 1},
                  "values": {f"i{k}": {"a": 0, "b": 1} for k in range(3)}},
        },
    }
    model = compile_scenario(parse_scenario(data)[0])
    fixed = np.array([1, -1, -1])
    res = solve(model, "utilitarian", top=4, fixed=fixed, engine=engine)
    assert {int(p.package[0]) for p in res.packages} == {1}
    assert len(res.packages) == 4


def _linked_pair(seed: int) -> Any:
    """Two parties, 8 issues of 4 options (65,536 packages): large enough for the dp engine,
    with constraints and conditional red lines linking issues."""
    rng = np.random.default_rng(seed)
    ids = [f"i{k}" for k in range(8)]
    opts = ["a", "b", "c", "d"]
    prefs = {}
    for pid in "pq":
        prefs[pid] = {
            "weights": {i: int(rng.integers(1, 6)) for i in ids},
            "values": {i: {o: float(rng.integers(0, 5)) / 4 for o in opts} for i in ids},
            "red_lines": [{"issue": "i0", "forbid": ["a"], "unless": {"i1": ["b", "c"]}},
                          {"issue": "i5", "forbid": [opts[int(rng.integers(4))]],
                           "unless": {"i6": ["a"], "i7": ["d", "c"]}}],
        }
    cons = [{"id": f"c{k}", "forbid": {ids[a]: [opts[int(rng.integers(4))]],
                                      ids[b]: [opts[int(rng.integers(4))]]}}
            for k, (a, b) in enumerate([(1, 2), (2, 3), (6, 4)])]
    data = {"scenario": "pair", "title": "pair",
            "parties": [{"id": "p", "name": "P", "reservation": 0.2},
                        {"id": "q", "name": "Q", "reservation": 0.2}],
            "issues": [{"id": i, "name": i, "options": opts} for i in ids],
            "constraints": cons, "preferences": prefs}
    return compile_scenario(parse_scenario(data)[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dp_merges_linked_issues_and_stays_exact(seed: int) -> None:
    from accord.solve import make_problem
    from accord.solve.pareto import by_enumeration

    model = _linked_pair(seed)
    problem = make_problem(model, individual_rationality=False)
    assert problem.linked and problem.merged is not None
    assert any(len(issues) > 1 for issues, _ in problem.merged)
    front = frontier(model)
    assert front.exact and "dynamic programming" in front.method
    want_u, _ = by_enumeration(problem)
    assert {tuple(np.round(r, 9)) for r in front.utilities} == \
        {tuple(np.round(r, 9)) for r in want_u}
    for method in ("nash", "ks", "egalitarian", "utilitarian"):
        dp = solve(model, method, engine="auto")
        ref = solve(model, method, engine="enumeration")
        assert dp.engine == "dp", dp.details["engine_reason"]
        assert ref.packages and dp.packages
        assert abs(dp.packages[0].objective - ref.packages[0].objective) < 1e-9, method


@SETTINGS
@given(st.data())
def test_milp_rows_hold_exactly_on_admissible_packages(data: st.DataObject) -> None:
    from accord.solve import make_problem
    from accord.solve.milp import PackageProgram, linking_rows

    scenario = _scenario(data.draw)
    if scenario is None:
        return
    model = compile_scenario(scenario)
    problem = make_problem(model, individual_rationality=False)
    coef, ub = linking_rows(problem)
    upper = PackageProgram(model, problem=problem).upper
    for c in packages(scenario):
        x = model.encode(c)
        binaries = np.zeros(int(model.offsets[-1]))
        binaries[model.offsets[:-1] + x] = 1.0
        within_bounds = bool((binaries <= upper).all())
        rows_hold = bool((coef @ binaries <= ub + 1e-9).all())
        assert (within_bounds and rows_hold) == oracle_admissible(scenario, c)


def _linked_three(seed: int) -> Any:
    """Three parties, 7 issues of 4 options (16,384 packages), 8 constraints and 4
    conditional red lines drawn at random."""
    rng = np.random.default_rng(seed)
    ids = [f"i{k}" for k in range(7)]
    opts = ["a", "b", "c", "d"]

    def some(lo: int, hi: int) -> list[str]:
        return sorted(rng.choice(opts, size=int(rng.integers(lo, hi + 1)), replace=False).tolist())

    prefs: dict[str, Any] = {
        pid: {"weights": {i: int(rng.integers(1, 6)) for i in ids},
              "values": {i: {o: float(rng.integers(0, 9)) / 8 for o in opts} for i in ids},
              "red_lines": []} for pid in "pqr"}
    for k in range(4):
        a, b, c = rng.choice(7, size=3, replace=False)
        prefs["pqr"[k % 3]]["red_lines"].append(
            {"issue": ids[a], "forbid": some(1, 2), "unless": {ids[b]: some(2, 3),
                                                               ids[c]: some(2, 3)}})
    cons = []
    for k in range(8):
        a, b = rng.choice(7, size=2, replace=False)
        cons.append({"id": f"c{k}", "forbid": {ids[a]: some(1, 2), ids[b]: some(1, 2)}})
    data = {"scenario": "three", "title": "three",
            "parties": [{"id": p, "name": p, "reservation": 0.25} for p in "pqr"],
            "issues": [{"id": i, "name": i, "options": opts} for i in ids],
            "constraints": cons, "preferences": prefs}
    return compile_scenario(parse_scenario(data)[0])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("method", ["nash", "ks", "egalitarian", "utilitarian"])
def test_milp_equals_enumeration_on_linked_spaces(seed: int, method: str) -> None:
    model = _linked_three(seed)
    ref = solve(model, method, engine="enumeration", top=2)
    got = solve(model, method, engine="milp", top=2)
    assert ref.optimal and got.optimal
    assert len(ref.packages) == len(got.packages)
    tol = 1e-5 if method == "nash" else 1e-7
    for a, b in zip(ref.packages, got.packages, strict=True):
        assert abs(a.objective - b.objective) < tol
        assert model.admissible(b.package)[0]
