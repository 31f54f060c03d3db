"""Constraints, conditional red lines and consent in the compiled model agree with a plain
brute force over the scenario's dicts, on random scenarios (hypothesis)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import (
    linked_scenario_dicts,
    oracle_accepts,
    oracle_admissible,
    oracle_blocks,
    oracle_line_crossed,
    oracle_lines,
    oracle_valid,
    packages,
)

from accord.model import ScenarioError, compile_scenario, parse_scenario

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _parse(data: dict[str, Any]) -> Any:
    try:
        return parse_scenario(data)[0]
    except ScenarioError as exc:
        return exc


@SETTINGS
@given(st.data())
def test_every_verdict_equals_the_brute_force(data: st.DataObject) -> None:
    raw = linked_scenario_dicts(data.draw)
    scenario = _parse(raw)
    if isinstance(scenario, ScenarioError):
        # The only error the generator can make: constraints that leave no valid package.
        assert any("constraints forbid every package" in p.message for p in scenario.problems)
        ids = [i["id"] for i in raw["issues"]]
        for combo in itertools.product(*(i["options"] for i in raw["issues"])):
            c = dict(zip(ids, combo, strict=True))
            assert any(all(c[i] in opts for i, opts in con["forbid"].items())
                       for con in raw["constraints"]), c
        return
    model = compile_scenario(scenario)
    pk = packages(scenario)
    x = np.array([model.encode(c) for c in pk])
    np.testing.assert_array_equal(model.valid(x), [oracle_valid(scenario, c) for c in pk])
    within = model.within_red_lines(x)
    accepts = model.accepts(x)
    blocks = model.blocks(x)
    crossed = model.crossed(x)
    for p, pid in enumerate(model.party_ids):
        lines = oracle_lines(scenario, pid)
        for n, c in enumerate(pk):
            hit = {rid for rid, rl in lines if oracle_line_crossed(rl, c)}
            assert within[n, p] == (not hit)
            assert accepts[n, p] == oracle_accepts(scenario, pid, c)
            assert blocks[n, p] == oracle_blocks(scenario, pid, c)
            got = {model.red_lines.ids[r] for r in np.flatnonzero(crossed[n])
                   if model.red_lines.owner[r] == pid}
            assert got == hit
            issues = {model.issue_ids[i] for i in np.flatnonzero(model.violations(x[n])[0, p])}
            assert issues == {rl.issue for _, rl in lines if oracle_line_crossed(rl, c)}
    np.testing.assert_array_equal(model.admissible(x),
                                  [oracle_admissible(scenario, c) for c in pk])
    assert any(oracle_valid(scenario, c) for c in pk)  # validation let it through


def test_unless_lifts_only_when_every_condition_holds() -> None:
    data = {
        "scenario": "t", "title": "t",
        "parties": [{"id": "a", "name": "A", "reservation": 0}],
        "issues": [{"id": "x", "name": "X", "options": ["keep", "give"]},
                   {"id": "y", "name": "Y", "options": ["no", "yes", "maybe"]},
                   {"id": "z", "name": "Z", "options": ["no", "yes"]}],
        "preferences": {"a": {"weights": {"x": 1}, "values": {"x": {"keep": 1, "give": 0}},
                              "red_lines": [{"issue": "x", "forbid": ["give"],
                                             "unless": {"y": ["yes", "maybe"], "z": ["yes"]}}]}},
    }
    model = compile_scenario(parse_scenario(data)[0])
    give = [(1, y, z) for y in range(3) for z in range(2)]
    within = model.within_red_lines(np.array(give))[:, 0]
    assert within.tolist() == [y >= 1 and z == 1 for _, y, z in give]
    assert model.red_lines.ids == ("a:x:0",)


@pytest.mark.parametrize("n_issues", [3, 6])
def test_validation_finds_constraints_that_forbid_everything(n_issues: int) -> None:
    # Every option of i0 combined with every option of i1 is forbidden, pair by pair.
    issues = [{"id": f"i{k}", "name": f"I{k}", "options": ["a", "b"]} for k in range(n_issues)]
    cons = [{"id": f"c{a}{b}", "forbid": {"i0": [a], "i1": [b]}} for a in "ab" for b in "ab"]
    data = {"scenario": "t", "title": "t", "parties": [{"id": "p", "name": "P"}],
            "issues": issues, "constraints": cons}
    with pytest.raises(ScenarioError, match="constraints forbid every package"):
        parse_scenario(data)
    parse_scenario({**data, "constraints": cons[:3]})


def _base() -> dict[str, Any]:
    return {
        "scenario": "t", "title": "t",
        "parties": [{"id": "a", "name": "A", "reservation": 0.1},
                    {"id": "b", "name": "B", "reservation": 0.1}],
        "issues": [{"id": "x", "name": "X", "options": ["p", "q"]},
                   {"id": "y", "name": "Y", "options": ["r", "s"]}],
        "preferences": {
            pid: {"weights": {"x": 1, "y": 1},
                  "values": {"x": {"p": 1, "q": 0}, "y": {"r": 0, "s": 1}},
                  "red_lines": [{"id": f"{pid}-x", "issue": "x", "forbid": ["q"]}]}
            for pid in "ab"},
        "plans": [{"id": "pl", "title": "Pl", "choices": {"x": "p", "y": "r"}}],
    }


BAD = [
    ("constraint-unknown-issue", lambda d: d.update(constraints=[
        {"id": "c", "forbid": {"zz": ["p"], "y": ["r"]}}]), ("constraints", 0, "forbid", "zz")),
    ("constraint-unknown-option", lambda d: d.update(constraints=[
        {"id": "c", "forbid": {"x": ["nope"], "y": ["r"]}}]),
     ("constraints", 0, "forbid", "x", 0)),
    ("unless-unknown-option", lambda d: d["preferences"]["a"]["red_lines"][0].update(
        unless={"y": ["t"]}), ("preferences", "a", "red_lines", 0, "unless", "y", 0)),
    ("unless-own-issue", lambda d: d["preferences"]["a"]["red_lines"][0].update(
        unless={"x": ["p"]}), ("preferences", "a", "red_lines", 0, "unless", "x")),
    ("probability-zero", lambda d: d["preferences"]["a"]["red_lines"][0].update(
        probability=0), ("preferences", "a", "red_lines", 0, "probability")),
    ("probability-above-one", lambda d: d["preferences"]["a"]["red_lines"][0].update(
        probability=1.5), ("preferences", "a", "red_lines", 0, "probability")),
    ("duplicate-red-line-id", lambda d: d["preferences"]["b"]["red_lines"][0].update(
        id="a-x"), ("preferences", "b", "red_lines", 0, "id")),
    ("constraint-id-clashes-red-line", lambda d: d.update(constraints=[
        {"id": "a-x", "forbid": {"x": ["p"], "y": ["r"]}}]),
     ("preferences", "a", "red_lines", 0, "id")),
    ("consent-unknown-issue", lambda d: d["parties"][1].update(consent=["x", "zz"]),
     ("parties", 1, "consent", 1)),
    ("open-and-chosen", lambda d: d["plans"][0].update(open=["x"]), ("plans", 0, "open", 0)),
    ("open-unknown", lambda d: d["plans"][0].update(open=["zz"]), ("plans", 0, "open", 0)),
]


@pytest.mark.parametrize(("name", "edit", "path"), BAD, ids=[b[0] for b in BAD])
def test_bad_linked_input_names_its_field(name: str, edit: Any, path: tuple[Any, ...]) -> None:
    data = _base()
    parse_scenario(data)  # the base is valid
    edit(data)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    paths = [p.path for p in err.value.problems if p.severity == "error"]
    assert path in paths, paths


def test_consent_defaults_by_role_and_mediator_note() -> None:
    data = _base()
    data["parties"][1]["role"] = "mediator"
    scenario, warnings = parse_scenario(data)
    model = compile_scenario(scenario)
    assert model.consent == ("all", "none")
    assert model.bargaining_set == ("a",)
    assert any("never blocks" in w.message for w in warnings)
    crossing = np.array([[1, 0]])  # x = q crosses both red lines
    assert model.accepts(crossing)[0].tolist() == [False, False]
    assert model.blocks(crossing)[0].tolist() == [True, False]
