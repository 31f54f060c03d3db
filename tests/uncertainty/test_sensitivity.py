from __future__ import annotations

import numpy as np
import pytest
from SALib.sample import sobol as salib_sobol

from accord.model import compile_scenario
from accord.uncertainty import compile_uncertainty
from accord.uncertainty.sensitivity import break_even, saltelli_sample, sensitivity

from .helpers import one_party


@pytest.mark.parametrize("groups", [None, ["g1", "g2", "g1", "g3"]])
def test_saltelli_design_matches_salib(groups) -> None:
    problem = {"num_vars": 4, "names": list("abcd"), "bounds": [[0, 1]] * 4}
    if groups:
        problem["groups"] = groups
    expected = salib_sobol.sample(problem, 16, calc_second_order=False, seed=3)
    assert np.array_equal(saltelli_sample(16, 4, groups, seed=3), expected)


def _scenario():
    # u = 0.5 * v_x + 0.5 * 1 (y at its best), v_x ~ Beta(mean .4, sd .15); walk-away U(.6, .8)
    return one_party({"x": 1, "y": 1},
                     {"x": {"lo": 0, "mid": 0.4, "hi": 1}, "y": {"lo": 0, "hi": 1}},
                     {"x": "mid", "y": "hi"}, 0.65,
                     {"values": {"sd": 0.15}, "reservation": {"low": 0.6, "high": 0.8}})


def test_break_even_is_exact() -> None:
    s = _scenario()
    m = compile_scenario(s)
    x = m.encode({"x": "mid", "y": "hi"})
    flips = {f.kind: f for f in break_even(compile_uncertainty(s, m), x)
             if f.issue in (None, "x")}
    # stated: u = 0.7 >= 0.65, accepts; walk-away flips at 0.7, value of x at 0.3,
    # weight of x (y's weight rescaled) where w * 0.4 + (1 - w) = 0.65, w = 0.35 / 0.6.
    assert flips["reservation"].threshold == pytest.approx(0.7)
    assert flips["value"].threshold == pytest.approx(0.3)
    assert flips["weight"].threshold == pytest.approx(0.35 / 0.6)
    assert all(f.verdict == "rejects" for f in flips.values())


def test_tornado_and_sobol_rank_the_walk_away_and_value() -> None:
    s = _scenario()
    r = sensitivity(s, "p", samples=8192, sobol_n=1024, seed=3)
    assert {e.assumption for e in r.tornado} == {"a: walk-away", "a: value of x=mid"}
    for e in r.tornado:  # raising the walk-away lowers acceptance; raising the value raises it
        if e.kind == "reservation":
            assert e.accept_low > e.accept_high and e.margin_low > e.margin_high
        else:
            assert e.accept_low < e.accept_high
    by = {si.input: si for si in r.sobol if si.target == "a"}
    assert set(by) == {"a: walk-away", "a: value of x=mid"}
    for si in by.values():
        assert si.total + si.total_ci >= 0 and si.first <= si.total + si.total_ci
    d = r.to_dict()
    assert d["smallest_flip"]["a"]["kind"] == "reservation"  # 0.05 beats 0.1 and 0.083


def test_point_walk_away_counts_everywhere(small_data) -> None:
    """b is certain with a walk-away of 0.8 (stated, and as a point interval): it rejects p2
    (0.74 to b) in the Monte Carlo, the sensitivity runs and the break-even verdicts alike."""
    import copy

    from accord.uncertainty import monte_carlo

    from .helpers import scenario

    data = copy.deepcopy(small_data)
    data["preferences"]["a"]["uncertainty"] = {"values": {"sd": 0.1},
                                               "reservation": {"low": 0.3, "high": 0.5}}
    data["parties"][1]["reservation"] = 0.8  # a point interval must agree with it
    data["preferences"]["b"]["uncertainty"] = {"reservation": {"low": 0.8, "high": 0.8}}
    s = scenario(data)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    x = m.encode(dict(s.plan("p2").choices))
    mc = monte_carlo(spec, x[None], 4096, seed=0).packages[0]
    assert mc.p_accept("b") == 0.0 and mc.stated_accepts["b"] is False
    res = sensitivity(s, "p2", samples=4096, sobol_n=256)
    assert res.stated_accepts["b"] is False
    assert res.stated_margin["b"] == pytest.approx(m.utilities(x)[1] - 0.8)
    assert res.tornado and all(e.all_low == 0.0 and e.all_high == 0.0 for e in res.tornado)
    b_walk = next(f for f in res.flips if f.party == "b" and f.kind == "reservation")
    assert b_walk.stated == pytest.approx(0.8) and b_walk.verdict == "accepts"
