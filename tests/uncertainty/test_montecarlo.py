from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import integrate, special, stats

from accord.evaluate import score_plan
from accord.model import compile_scenario
from accord.solve.enumerate import all_packages
from accord.uncertainty import BLOCK, compile_uncertainty, monte_carlo, plan_robustness

from .helpers import one_party, scenario


def test_no_uncertainty_gives_the_deterministic_verdict_exactly(small_scenario) -> None:
    m = compile_scenario(small_scenario)
    spec = compile_uncertainty(small_scenario, m)
    for plan in small_scenario.plans:
        r = plan_robustness(small_scenario, plan.id, 1000, seed=1, model=m).packages[0]
        verdict = score_plan(small_scenario, m, plan.id, find_improvement=False)
        for v in verdict.parties:
            assert r.p_accept(v.id) == (1.0 if v.accepts else 0.0)
            assert r.mean[v.id] == pytest.approx(v.utility, abs=1e-12)
        assert r.p_all == (1.0 if verdict.all_accept else 0.0)
    # every package of the space, at once
    pk = all_packages(m)
    res = monte_carlo(spec, pk, 500, seed=3)
    acc = m.accepts(pk)
    for k, o in enumerate(res.packages):
        assert [o.p_accept(p) for p in m.party_ids] == [float(a) for a in acc[k]]


def test_zero_spreads_and_point_interval_are_deterministic(small_data) -> None:
    data = copy.deepcopy(small_data)
    for pid, party in (("a", 0), ("b", 1)):
        r = data["parties"][party]["reservation"]
        data["preferences"][pid]["uncertainty"] = {"values": {"sd": 0.0},
                                                   "reservation": {"low": r, "high": r}}
    s = scenario(data)
    m = compile_scenario(s)
    assert compile_uncertainty(s, m).deterministic
    for plan in s.plans:
        o = plan_robustness(s, plan.id, 2000, seed=5, model=m).packages[0]
        verdict = score_plan(s, m, plan.id, find_improvement=False)
        assert {v.id: float(v.accepts) for v in verdict.parties} == {
            p: o.p_accept(p) for p in m.party_ids}


def test_dirichlet_weight_converges_to_beta_cdf() -> None:
    # u = w_x because the plan takes x's best (1) and y's worst (0) option: w_x ~ Beta(c.6, c.4).
    c, r = 12.0, 0.55
    s = one_party({"x": 0.6, "y": 0.4}, {"x": {"lo": 0, "hi": 1}, "y": {"lo": 0, "hi": 1}},
                  {"x": "hi", "y": "lo"}, r, {"weights": {"dirichlet": c}})
    o = plan_robustness(s, "p", 200_000, seed=11).packages[0]
    exact = 1 - special.betainc(c * 0.6, c * 0.4, r)
    lo, hi = o.to_dict()["accept_ci95"]["a"]
    assert lo <= exact <= hi, (lo, exact, hi)
    assert o.mean["a"] == pytest.approx(0.6, abs=2e-3)


def test_beta_value_against_uniform_walk_away_converges() -> None:
    # u = v ~ Beta(mean .6, sd .12); walk-away ~ U(.5, .7): P = E[clip((v - .5) / .2, 0, 1)].
    s = one_party({"x": 1}, {"x": {"lo": 0, "mid": 0.6, "hi": 1}}, {"x": "mid"}, 0.6,
                  {"values": {"sd": 0.12}, "reservation": {"low": 0.5, "high": 0.7}})
    spec = compile_uncertainty(s, compile_scenario(s))
    a, b = spec.value_a[0, 0, 1], spec.value_b[0, 0, 1]
    exact, _ = integrate.quad(
        lambda v: min(max((v - 0.5) / 0.2, 0.0), 1.0) * stats.beta(a, b).pdf(v), 0, 1,
        points=[0.5, 0.7])
    o = plan_robustness(s, "p", 200_000, seed=12).packages[0]
    lo, hi = o.to_dict()["accept_ci95"]["a"]
    assert lo <= exact <= hi, (lo, exact, hi)
    assert o.sd["a"] == pytest.approx(0.12, abs=2e-3)


@pytest.fixture
def uncertain_small(small_data):
    data = copy.deepcopy(small_data)
    data["preferences"]["a"]["uncertainty"] = {"weights": {"dirichlet": 30},
                                               "values": {"sd": 0.15},
                                               "reservation": {"low": 0.2, "high": 0.5}}
    data["preferences"]["b"]["uncertainty"] = {"weights": {"dirichlet": 10},
                                               "reservation": {"low": 0.25, "high": 0.45}}
    return scenario(data)


def test_same_numbers_whatever_the_chunking_and_neighbours(uncertain_small) -> None:
    s = uncertain_small
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    n = 2 * BLOCK + 1234
    x = m.encode(dict(s.plan("p2").choices))
    one = monte_carlo(spec, x[None], n, seed=7, blocks_per_chunk=1).to_dict()
    three = monte_carlo(spec, x[None], n, seed=7, blocks_per_chunk=3).to_dict()
    assert one == three
    other = m.encode(dict(s.plan("p1").choices))
    both = monte_carlo(spec, np.stack([other, x]), n, seed=7)
    assert both.packages[1].to_dict() == {**one_pkg(one), "label": "package-1"}
    assert monte_carlo(spec, x[None], n, seed=8).to_dict() != one


def one_pkg(d: dict) -> dict:
    keys = ["label", "choices", "accept", "accept_ci95", "all_accept", "all_accept_ci95",
            "agreement", "agreement_ci95", "stated", "utility", "red_lines", "patterns",
            "uncertain_red_lines"]
    return {k: d[k] for k in keys if k in d}


def test_interrupt_returns_partial(uncertain_small) -> None:
    m = compile_scenario(uncertain_small)
    spec = compile_uncertainty(uncertain_small, m)
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise KeyboardInterrupt

    r = monte_carlo(spec, m.encode(dict(uncertain_small.plan("p2").choices))[None], 5 * BLOCK,
                    seed=1, progress=progress)
    assert r.partial and r.samples == 2 * BLOCK and r.to_dict()["partial"] is True


def test_red_line_binding_is_counted(uncertain_small) -> None:
    m = compile_scenario(uncertain_small)
    spec = compile_uncertainty(uncertain_small, m)
    x = m.encode({"land": "none", "cap": "none", "bloc": "join"})
    o = monte_carlo(spec, x[None], 50_000, seed=2).packages[0]
    # All land goes, which a forbids: a never accepts, and the red line binds exactly when
    # a's utility alone (about 0.5) would have cleared its walk-away (0.2 to 0.5).
    assert o.accept["a"] == 0 and o.red_lines["a"] == ["land"]
    assert 0 < o.binds["a"] < o.samples
    assert o.p_all == 0.0
