"""Bidders and the offer protocols under constraints, conditional red lines and consent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from accord.io import load_scenario
from accord.model import compile_scenario, parse_scenario
from accord.model.problems import ScenarioError
from accord.negotiate.alternating import stacked_offers
from accord.negotiate.simulate import simulate
from accord.negotiate.space import BidSpace
from accord.negotiate.strategies import STRATEGIES, make_strategy

RIVER = Path(__file__).resolve().parents[2] / "accord" / "scenarios" / "river-basin.yaml"


@st.composite
def linked_scenarios(draw: Any) -> dict[str, Any]:
    n_i = draw(st.integers(2, 4))
    n_o = [draw(st.integers(2, 3)) for _ in range(n_i)]
    issues = [{"id": f"i{k}", "name": f"i{k}", "options": [f"o{j}" for j in range(n_o[k])]}
              for k in range(n_i)]
    n_p = draw(st.integers(2, 3))
    parties, prefs = [], {}
    for p in range(n_p):
        consent: Any = "all" if p < 2 else draw(st.sampled_from(
            ["all", "none", [f"i{draw(st.integers(0, n_i - 1))}"]]))
        parties.append({"id": f"p{p}", "name": f"p{p}", "role": "party",
                        "reservation": draw(st.sampled_from([0.0, 0.2, 0.4])),
                        "consent": consent})
        values = {f"i{k}": {f"o{j}": draw(st.sampled_from([0.0, 0.3, 0.6, 1.0]))
                            for j in range(n_o[k])} for k in range(n_i)}
        red_lines = []
        if draw(st.booleans()):
            k = draw(st.integers(0, n_i - 1))
            forbid = f"o{draw(st.integers(0, n_o[k] - 1))}"
            rl: dict[str, Any] = {"issue": f"i{k}", "forbid": [forbid]}
            t = (k + 1) % n_i
            if draw(st.booleans()):
                rl["unless"] = {f"i{t}": [f"o{draw(st.integers(0, n_o[t] - 1))}"]}
            red_lines.append(rl)
        prefs[f"p{p}"] = {"weights": {f"i{k}": draw(st.integers(1, 5)) for k in range(n_i)},
                          "values": values, "red_lines": red_lines}
    constraints = []
    for c in range(draw(st.integers(1, 3))):
        a, b = draw(st.lists(st.integers(0, n_i - 1), min_size=2, max_size=2, unique=True))
        constraints.append({"id": f"c{c}", "forbid": {
            f"i{a}": [f"o{draw(st.integers(0, n_o[a] - 1))}"],
            f"i{b}": [f"o{draw(st.integers(0, n_o[b] - 1))}"]}})
    return {"scenario": "linked", "title": "linked", "parties": parties, "issues": issues,
            "preferences": prefs, "constraints": constraints}


def _offers(model: Any, trace: list[dict[str, Any]]) -> np.ndarray:
    return np.array([model.encode(e["choices"]) for e in trace if e["action"] == "offer"],
                    dtype=np.int64).reshape(-1, model.n_issues)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=linked_scenarios(), names=st.lists(st.sampled_from(sorted(STRATEGIES.names())),
                                               min_size=1, max_size=1),
       enumerate_all=st.booleans(), seed=st.integers(0, 1000))
def test_no_bidder_offers_an_invalid_package(data: dict[str, Any], names: list[str],
                                             enumerate_all: bool, seed: int) -> None:
    try:
        s, _ = parse_scenario(data)
    except ScenarioError:
        assume(False)
        return
    m = compile_scenario(s)
    space = BidSpace(m, enumerate_limit=10**6 if enumerate_all else 1)
    agents = [make_strategy(names[0]) for _ in range(m.n_parties)]
    res = stacked_offers(m, agents, rounds=20, seed=seed, space=space, record=True)
    offers = _offers(m, res.trace)
    assert m.valid(offers).all()
    # each offer is within its proposer's own red lines (a conditional one lifted counts)
    proposers = [m.party_index(e["party"]) for e in res.trace if e["action"] == "offer"]
    inside = m.within_red_lines(offers) if len(offers) else np.zeros((0, m.n_parties), bool)
    for k, p in enumerate(proposers):
        assert m.consent[p] != "all" or inside[k, p]
    if res.agreement:
        x = np.asarray(res.package)
        assert m.valid(x)[0] and not m.blocks(x)[0].any()


def test_a_lifted_conditional_red_line_is_offered() -> None:
    # downstream's high-dam red line is lifted by international monitoring + annual
    # compensation: bidders may propose a high dam with both, never without.
    s = load_scenario(RIVER)
    m = compile_scenario(s).restrict(["upstream", "downstream"])
    space = BidSpace(m)
    r = m.red_lines.ids.index("downstream-high-dam")
    agents = [make_strategy("boulware"), make_strategy("conceder")]
    res = stacked_offers(m, agents, rounds=60, seed=3, space=space, record=True)
    offers = _offers(m, res.trace)
    up = [e["party"] == "upstream" for e in res.trace if e["action"] == "offer"]
    high = offers[:, m.issue_ids.index("dam")] == 2
    assert (high & np.array(up)).any()  # upstream's best: a high dam, with the lifting terms
    assert not m.crossed(offers[np.array(up)])[:, r].any()
    assert m.valid(offers).all()


def test_limited_consent_does_not_block() -> None:
    s = load_scenario(RIVER)
    m = compile_scenario(s)
    fishers, bank = m.party_index("fishers"), m.party_index("bank")
    res = simulate(m, "stacked", ["conceder"], rounds=80, seed=1, record=True)
    assert res.agreement
    x = np.asarray(res.package)
    assert m.valid(x)[0] and not m.blocks(x)[0].any()
    # the agreed package may be one the fishers or the bank do not themselves accept
    accepts = m.accepts(x)[0]
    assert not m.blocks(x)[0, fishers] and not m.blocks(x)[0, bank]
    assert accepts[m.party_index("upstream")] and accepts[m.party_index("downstream")]
    # fishers veto only offers crossing their in-scope red line (env_flow: none)
    for e in res.trace:
        if e["action"] == "accept" and e["party"] == "fishers":
            assert e["choices"]["env_flow"] != "none"


def test_reference_points_cover_parties_outside_the_bargaining_set() -> None:
    # Bug fix: the Nash package's utilities were read for every scored party from a result
    # that holds only the bargaining set's (KeyError 'fishers' in `accord simulate`).
    from accord.negotiate.metrics import reference
    from accord.solve import solve

    m = compile_scenario(load_scenario(RIVER))
    ref = reference(m)
    assert ref.nash is not None and ref.nash.shape == (m.n_parties,)
    best = solve(m, method="nash").best
    assert best is not None
    assert np.allclose(ref.nash, m.utilities(np.asarray(best.package)))
    assert ref.frontier.shape[1] == m.n_parties and len(ref.frontier)
