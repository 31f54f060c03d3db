"""Test helpers shared across folders: the plain-Python oracle and random compiled models.

The oracle evaluates packages straight from a validated Scenario's weight and value dicts: the
one place a second evaluation route is allowed, so that the compiled model can be checked.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from accord.model import CompiledModel, RedLines, Scenario, option_key


def packages(scenario: Scenario) -> list[dict[str, Any]]:
    """Every package as {issue: option as written}, in the model's mixed-radix order."""
    ids = [i.id for i in scenario.issues]
    return [
        dict(zip(ids, combo, strict=True))
        for combo in itertools.product(*(i.options for i in scenario.issues))
    ]


def oracle_utility(scenario: Scenario, pid: str, choices: dict[str, Any]) -> float:
    pref = scenario.preferences[pid]
    return sum(
        pref.weights[i.id] * pref.values[i.id][option_key(choices[i.id])] for i in scenario.issues
    )


def random_model(seed: int, n_parties: int, n_options: list[int], *, red: float = 0.1,
                 res: float = 0.5, quantum: int = 0) -> CompiledModel:
    """A random compiled model: red lines with probability `red` per option (never every option
    of an issue for one party), reservations up to `res`; `quantum` > 0 rounds values to a grid
    to create ties."""
    rng = np.random.default_rng(seed)
    n_i, o_max = len(n_options), max(n_options)
    values = rng.random((n_parties, n_i, o_max))
    if quantum:
        values = np.round(values * quantum) / quantum
    padding = np.arange(o_max)[None, :] >= np.array(n_options)[:, None]
    values[:, padding] = 0.0
    forbidden = (rng.random((n_parties, n_i, o_max)) < red) | padding[None]
    for p in range(n_parties):
        for i in range(n_i):
            if forbidden[p, i, : n_options[i]].all():
                forbidden[p, i, 0] = False
    return CompiledModel(
        scenario_id="random", party_ids=tuple(f"p{k}" for k in range(n_parties)),
        issue_ids=tuple(f"i{i}" for i in range(n_i)),
        options=tuple(tuple(str(o) for o in range(n)) for n in n_options),
        raw_options=tuple(tuple(range(n)) for n in n_options),
        numeric=np.zeros(n_i, dtype=bool), n_options=np.array(n_options),
        weights=rng.dirichlet(np.ones(n_i), size=n_parties), values=values,
        red_lines=RedLines.from_masks([f"p{k}" for k in range(n_parties)], forbidden, padding),
        padding=padding,
        reservation=np.round(rng.random(n_parties) * res, 3))


# --- linked constructs: an independent brute force over plain dicts -----------------------------
# Constraints, conditional red lines, consent and open issues, read straight from the Scenario
# objects with set membership, never through the compiled arrays.


def _has(choices: dict[str, Any], clause: dict[str, list[Any]]) -> bool:
    """AND across the clause's issues, OR within one."""
    return all(option_key(choices[i]) in {option_key(o) for o in opts}
               for i, opts in clause.items())


def oracle_valid(scenario: Scenario, choices: dict[str, Any]) -> bool:
    return not any(_has(choices, c.forbid) for c in scenario.constraints)


def oracle_lines(scenario: Scenario, pid: str) -> list[tuple[str, Any]]:
    """(id, red line) for a party, default ids as documented."""
    return [(rl.id or f"{pid}:{rl.issue}:{k}", rl)
            for k, rl in enumerate(scenario.preferences[pid].red_lines)]


def oracle_line_crossed(rl: Any, choices: dict[str, Any], forbid: set[str] | None = None
                        ) -> bool:
    banned = forbid if forbid is not None else {option_key(o) for o in rl.forbid}
    if option_key(choices[rl.issue]) not in banned:
        return False
    return not (rl.unless and _has(choices, rl.unless))


def oracle_binds(scenario: Scenario, pid: str, issue: str) -> bool:
    scope = scenario.party(pid).consent_scope
    return scope == "all" or (isinstance(scope, list) and issue in scope)


def oracle_accepts(scenario: Scenario, pid: str, choices: dict[str, Any]) -> bool:
    crossed = any(oracle_line_crossed(rl, choices) for _, rl in oracle_lines(scenario, pid))
    res = scenario.party(pid).reservation or 0.0
    return not crossed and oracle_utility(scenario, pid, choices) >= res - 1e-12


def oracle_blocks(scenario: Scenario, pid: str, choices: dict[str, Any]) -> bool:
    scope = scenario.party(pid).consent_scope
    if scope == "none":
        return False
    if scope == "all":
        return not oracle_accepts(scenario, pid, choices)
    return any(oracle_line_crossed(rl, choices) for _, rl in oracle_lines(scenario, pid)
               if rl.issue in scope)


def oracle_admissible(scenario: Scenario, choices: dict[str, Any],
                      exempt: dict[str, Any] | None = None) -> bool:
    """Valid, and crossing no binding red line; a red line `exempt` crosses may still be
    crossed with the exempt package's option on its issue, and in no other way."""
    if not oracle_valid(scenario, choices):
        return False
    for pid in scenario.scored_party_ids:
        for _, rl in oracle_lines(scenario, pid):
            if not oracle_binds(scenario, pid, rl.issue):
                continue
            forbid = {option_key(o) for o in rl.forbid}
            if exempt is not None and oracle_line_crossed(rl, exempt):
                forbid.discard(option_key(exempt[rl.issue]))
            if oracle_line_crossed(rl, choices, forbid):
                return False
    return True


def oracle_bargaining_set(scenario: Scenario) -> list[str]:
    return [p for p in scenario.scored_party_ids if scenario.party(p).consent_scope == "all"]


def linked_scenario_dicts(draw: Any, *, max_issues: int = 4, max_options: int = 3,
                          max_parties: int = 3) -> dict[str, Any]:
    """A random scenario (plain data) with constraints, conditional red lines, probabilities,
    every consent kind and a plan with open issues. Party a always has consent `all`."""
    from hypothesis import strategies as st

    n_i = draw(st.integers(2, max_issues))
    issues = []
    for i in range(n_i):
        n_o = draw(st.integers(2, max_options))
        issues.append({"id": f"i{i}", "name": f"I{i}", "options": [f"o{k}" for k in range(n_o)]})
    ids = [x["id"] for x in issues]
    opts = {x["id"]: x["options"] for x in issues}

    def subset(iid: str, proper: bool) -> list[str]:
        chosen = draw(st.lists(st.sampled_from(opts[iid]), min_size=1, unique=True,
                               max_size=len(opts[iid]) - (1 if proper else 0)))
        return sorted(chosen)

    n_p = draw(st.integers(2, max_parties))
    parties, prefs = [], {}
    for p in range(n_p):
        pid = "abcdef"[p]
        party: dict[str, Any] = {"id": pid, "name": pid.upper(),
                                 "reservation": draw(st.sampled_from([0.0, 0.2, 0.35, 0.5]))}
        if p == 0:
            party["role"] = "party"
        else:
            party["role"] = draw(st.sampled_from(["party", "stakeholder", "mediator"]))
            kind = draw(st.sampled_from(["default", "all", "none", "list"]))
            if kind == "list":
                party["consent"] = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
            elif kind != "default":
                party["consent"] = kind
        parties.append(party)
        values = {iid: {o: draw(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])) for o in opts[iid]}
                  for iid in ids}
        weights = {iid: draw(st.integers(1, 5)) for iid in ids}
        red_lines = []
        for k in range(draw(st.integers(0, 2))):
            iid = draw(st.sampled_from(ids))
            rl: dict[str, Any] = {"issue": iid, "forbid": subset(iid, True)}
            if draw(st.booleans()):
                rl["id"] = f"{pid}-rl{k}"
            others = [j for j in ids if j != iid]
            if draw(st.booleans()):
                conds = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2,
                                      unique=True))
                rl["unless"] = {j: subset(j, False) for j in conds}
            if draw(st.booleans()):
                rl["probability"] = draw(st.sampled_from([0.3, 0.6, 1.0]))
            red_lines.append(rl)
        prefs[pid] = {"weights": weights, "values": values, "red_lines": red_lines}
    constraints = []
    for c in range(draw(st.integers(0, 3))):
        over = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        constraints.append({"id": f"c{c}", "forbid": {j: subset(j, len(over) == 1)
                                                      for j in over}})
    open_issues = draw(st.lists(st.sampled_from(ids), max_size=n_i, unique=True))
    plan = {"id": "plan", "title": "Plan", "open": open_issues,
            "choices": {j: draw(st.sampled_from(opts[j])) for j in ids if j not in open_issues}}
    return {"scenario": "linked", "title": "Linked", "parties": parties, "issues": issues,
            "constraints": constraints, "preferences": prefs, "plans": [plan]}
