from __future__ import annotations

import copy

import numpy as np
import pytest

from accord.model import compile_scenario
from accord.uncertainty import compile_uncertainty, monte_carlo
from accord.uncertainty.robust import red_line_clash, robust_plan, saa_milp, sample_tables

from .helpers import scenario


def _uncertain(small_data):
    data = copy.deepcopy(small_data)
    for pid in ("a", "b"):
        data["preferences"][pid]["uncertainty"] = {"weights": {"dirichlet": 8},
                                                   "values": {"sd": 0.15},
                                                   "reservation": {"low": 0.3, "high": 0.6}}
    return scenario(data)


def test_tables_are_the_engines_draws(small_data) -> None:
    s = _uncertain(small_data)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    tables, r = sample_tables(spec, 5000, seed=4, stream=0, block=0)
    x = m.encode(dict(s.plan("p2").choices))
    u = tables[:, :, np.arange(m.n_issues), x].sum(axis=2)
    ok = (u >= r) & m.within_red_lines(x)[0]
    o = monte_carlo(spec, x[None], 5000, seed=4).packages[0]
    # the same float32 draws and terms, summed in another order: a tie at most, here and there
    for p, pid in enumerate(m.party_ids):
        assert abs(int(ok[:, p].sum()) - o.accept[pid]) <= 3


def test_tables_at_stated_numbers_are_the_compiled_table(small_scenario) -> None:
    m = compile_scenario(small_scenario)
    spec = compile_uncertainty(small_scenario, m)
    tables, r = sample_tables(spec, 7, seed=0)
    assert np.array_equal(tables, np.broadcast_to(m.table, tables.shape))
    assert np.array_equal(r, np.broadcast_to(m.reservation, r.shape))


def test_point_walk_away_binds_the_saa_program(small_data) -> None:
    """A party without uncertainty but with a point interval {low: x, high: x} must reach x in
    the SAA program, as in the Monte Carlo, not its stated reservation."""
    data = copy.deepcopy(small_data)
    data["preferences"]["a"]["uncertainty"] = {"values": {"sd": 0.1}}
    # b is certain; its point walk-away 0.7 leaves only packages a likes less (at b's stated
    # 0.3, land all, cap none, bloc neutral suits a best)
    # The stated reservation is the walk-away (a point interval must agree with it).
    data["parties"][1]["reservation"] = 0.7
    data["preferences"]["b"]["uncertainty"] = {"reservation": {"low": 0.7, "high": 0.7}}
    s = scenario(data)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    assert not spec.is_random(1)
    tables, r = sample_tables(spec, 50, seed=0)
    rep = saa_milp(spec, tables, r, time_limit=20)
    assert rep.package is not None
    assert m.utilities(rep.package)[1] >= 0.7 - 1e-9
    mc = monte_carlo(spec, rep.package[None], 2000, seed=0).packages[0]
    assert mc.p_accept("b") == 1.0


def test_red_line_clash_is_the_solvers_explanation(small_data) -> None:
    data = copy.deepcopy(small_data)
    data["preferences"]["b"]["red_lines"].append({"issue": "land", "forbid": ["all", "half"]})
    m = compile_scenario(scenario(data))
    msg = red_line_clash(m)
    assert msg is not None and msg.startswith("no package respects every red line")
    assert "'land'" in msg and "a forbids none" in msg and "b forbids all, half" in msg
    assert red_line_clash(compile_scenario(scenario(small_data))) is None


def test_no_candidate_is_a_value_error(small_data) -> None:
    data = copy.deepcopy(small_data)
    data["preferences"]["b"]["red_lines"].append({"issue": "land", "forbid": ["all", "half"]})
    data["plans"] = []
    with pytest.raises(ValueError, match="no candidate package.*red line"):
        robust_plan(scenario(data), samples=1000, saa_samples=20, replications=1)


def test_robust_plan_beats_every_package_within_its_gap(small_data) -> None:
    s = _uncertain(small_data)
    m = compile_scenario(s)
    res = robust_plan(s, samples=20_000, seed=1, saa_samples=120, replications=2,
                      time_limit=20, model=m)
    d = res.to_dict()
    assert d["best"]["all_accept"] >= max(c["all_accept"] for c in d["candidates"])
    assert d["upper_bound"]["mean"] >= d["all_accept"] - 0.05
    # brute force over the whole (small) space with the same engine and draws
    from accord.solve.enumerate import all_packages

    spec = compile_uncertainty(s, m)
    every = monte_carlo(spec, all_packages(m), 20_000, seed=1)
    top = max(o.p_all for o in every.packages)
    assert d["all_accept"] >= top - 0.02
    assert "nash" in d and "trade_off" in d
