from __future__ import annotations

import copy

import numpy as np

from accord.model import compile_scenario
from accord.uncertainty import compile_uncertainty, monte_carlo
from accord.uncertainty.robust import robust_plan, sample_tensors

from .helpers import scenario


def _uncertain(small_data):
    data = copy.deepcopy(small_data)
    for pid in ("a", "b"):
        data["preferences"][pid]["uncertainty"] = {"weights": {"dirichlet": 8},
                                                   "values": {"sd": 0.15},
                                                   "reservation": {"low": 0.3, "high": 0.6}}
    return scenario(data)


def test_tensors_are_the_engines_draws(small_data) -> None:
    s = _uncertain(small_data)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    w, v, r = sample_tensors(spec, 5000, seed=4, stream=0, block=0)
    x = m.encode(dict(s.plan("p2").choices))
    u = np.einsum("npi,npi->np", w, v[:, :, np.arange(m.n_issues), x])
    ok = (u >= r) & m.within_red_lines(x)[0]
    o = monte_carlo(spec, x[None], 5000, seed=4).packages[0]
    # float32 in the engine, float64 here: allow a handful of ties at the threshold
    for p, pid in enumerate(m.party_ids):
        assert abs(int(ok[:, p].sum()) - o.accept[pid]) <= 3


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
