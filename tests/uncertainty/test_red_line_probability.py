"""Red lines with a `probability`: drawn per sample on their own slots, and agreement under
consent."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from accord.io import load_scenario
from accord.model import compile_scenario
from accord.solve.enumerate import all_packages
from accord.uncertainty import BLOCK, compile_uncertainty, monte_carlo, wilson
from accord.uncertainty.montecarlo import red_line_thresholds, sample_red_lines
from accord.uncertainty.robust import robust_plan, saa_milp, sample_tables
from accord.uncertainty.sensitivity import sensitivity
from accord.uncertainty.spec import LEVELS

from .helpers import scenario

RIVER = Path(__file__).resolve().parents[2] / "accord" / "scenarios" / "river-basin.yaml"


def _uncertain(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["preferences"]["a"]["uncertainty"] = {"weights": {"dirichlet": 30},
                                               "values": {"sd": 0.15},
                                               "reservation": {"low": 0.2, "high": 0.5}}
    data["preferences"]["b"]["uncertainty"] = {"values": {"sd": 0.1}}
    return data


def _strip_times(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "uncertain"}


def test_probability_one_written_out_changes_nothing(small_data) -> None:
    data = _uncertain(small_data)
    plain = scenario(data)
    data["preferences"]["a"]["red_lines"][0]["probability"] = 1.0
    data["preferences"]["b"]["red_lines"][0]["probability"] = 1.0
    ones = scenario(data)
    for s in (plain, ones):
        assert len(compile_uncertainty(s, compile_scenario(s)).uncertain_red_lines()) == 0
    pk = all_packages(compile_scenario(plain))
    a = monte_carlo(compile_uncertainty(plain, compile_scenario(plain)), pk, 3000, seed=9)
    b = monte_carlo(compile_uncertainty(ones, compile_scenario(ones)), pk, 3000, seed=9)
    assert a.to_dict() == b.to_dict()


def test_red_line_draws_take_new_slots_and_move_no_other_draw(small_data) -> None:
    # b's red line (bloc: join) is uncertain; packages with bloc neutral do not cross it, so
    # every number about them must be exactly what it was without the probability.
    data = _uncertain(small_data)
    base = scenario(data)
    data["preferences"]["b"]["red_lines"][0]["probability"] = 0.4
    data["preferences"]["a"]["red_lines"][0]["probability"] = 0.9
    unc = scenario(data)
    m0, m1 = compile_scenario(base), compile_scenario(unc)
    pk = all_packages(m0)
    neutral = pk[pk[:, m0.issue_ids.index("bloc")] == 1]
    land = m0.issue_ids.index("land")
    untouched = neutral[neutral[:, land] != 2]  # a's red line forbids land: none
    r0 = monte_carlo(compile_uncertainty(base, m0), untouched, 2 * BLOCK + 5, seed=3)
    r1 = monte_carlo(compile_uncertainty(unc, m1), untouched, 2 * BLOCK + 5, seed=3)
    for o0, o1 in zip(r0.packages, r1.packages, strict=True):
        d0, d1 = o0.to_dict(), o1.to_dict()
        d1.pop("uncertain_red_lines")
        assert d0 == d1


def test_a_red_line_is_real_in_a_share_p_of_samples(small_data) -> None:
    data = copy.deepcopy(small_data)  # no preference uncertainty: only the red line is random
    p = 0.37
    data["preferences"]["b"]["red_lines"][0]["probability"] = p
    s = scenario(data)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    # b would accept (land none, cap 600000 -> utility well above walk-away) but bloc: join
    x = m.encode({"land": "none", "cap": 600000, "bloc": "join"})
    assert m.utilities(x)[1] >= m.reservation[1]
    n = 200_000
    o = monte_carlo(spec, x[None], n, seed=21).packages[0]
    rid = m.red_lines.ids[1]
    d = o.uncertain_red_lines[rid]
    lo, hi = wilson(d["real"], n)
    assert lo <= p <= hi
    # b accepts exactly in the samples where its red line is not real, and it decides then
    lo, hi = wilson(o.accept["b"], n)
    assert lo <= 1 - p <= hi
    assert o.accept["b"] + d["real"] == n and d["decides"] == d["real"]
    assert o.binds["b"] == d["real"]
    # the draw is the reusable function's, and the discretisation is within 1 / (2 LEVELS)
    mask = sample_red_lines(spec, BLOCK, 21, block=0)
    assert mask[0].all() and abs(red_line_thresholds(np.array([p]))[0] / LEVELS - p) \
        <= 0.5 / LEVELS


def test_agreement_is_no_party_blocking_under_consent() -> None:
    s = load_scenario(RIVER)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    pk = all_packages(m)
    pk = pk[m.valid(pk)][::7]
    res = monte_carlo(spec, pk, 20_000, seed=5)
    blocks = m.blocks(pk)
    acc = m.accepts(pk)
    rid = "downstream-high-dam"
    r = m.red_lines.ids.index(rid)
    crossed = m.crossed(pk)[:, r]
    down = m.party_ids.index("downstream")
    prob = float(m.red_lines.probability[r])
    for k, o in enumerate(res.packages):
        n = o.samples
        # per-party acceptance as before, except downstream where only its uncertain line bites
        for p, pid in enumerate(m.party_ids):
            if pid == "downstream" and crossed[k]:
                continue
            assert o.accept[pid] == n * int(acc[k, p])
        if not blocks[k].any():
            assert o.agreement == n
        elif blocks[k, [p for p in range(m.n_parties) if p != down]].any():
            assert o.agreement == 0
        else:  # only downstream blocks at stated numbers
            if crossed[k] and m.utilities(pk[k])[down] >= m.reservation[down]:
                lo, hi = wilson(o.agreement, n)
                assert lo <= 1 - prob <= hi
            else:
                assert o.agreement == 0
    # the interested mediator (consent none) never blocks: agreement can exceed all-accept
    assert any(o.agreement > o.all_accept for o in res.packages)
    # a plan that violates a constraint is flagged, as analyze flags it
    bad = m.encode(dict(s.plan("press-summary").choices))
    d = monte_carlo(spec, bad[None], 100, seed=1).packages[0].to_dict()
    assert d["coherent"] is False and d["violates"] == ["high-dam-no-seasonal-flow"]


def test_saa_with_uncertain_red_lines_matches_brute_force(small_data) -> None:
    data = _uncertain(small_data)
    data["preferences"]["b"]["red_lines"][0]["probability"] = 0.5
    data["preferences"]["a"]["red_lines"][0]["probability"] = 0.6
    data["preferences"]["a"]["red_lines"][0]["unless"] = {"cap": [600000]}
    s = scenario(data)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    n = 60
    tables, r = sample_tables(spec, n, seed=2)
    real = sample_red_lines(spec, n, 2, stream=1, block=0)
    rep = saa_milp(spec, tables, r, time_limit=30, real=real)
    pk = all_packages(m)
    crossed = m.crossed(pk)  # (N, R)
    best = 0.0
    for x, cr in zip(pk, crossed, strict=True):
        u = tables[:, :, np.arange(m.n_issues), x].sum(axis=2)  # (n, P)
        ok = (u >= r - 1e-9).all(axis=1) & ~(cr[:, None] & real).any(axis=0)
        best = max(best, ok.mean())
    assert rep.objective == pytest.approx(best, abs=1e-9)


def test_robust_plan_never_proposes_an_invalid_package() -> None:
    s = load_scenario(RIVER)
    m = compile_scenario(s)
    res = robust_plan(s, samples=4096, saa_samples=30, replications=2, seed=1)
    for o in res.evaluation.packages:
        assert m.valid(o.package)[0], o.label
    assert any("press-summary" in n and "constraint" in n for n in res.notes)


def test_sensitivity_names_the_red_line_and_its_flip(small_data) -> None:
    data = copy.deepcopy(small_data)
    data["preferences"]["b"]["red_lines"][0]["probability"] = 0.3
    data["preferences"]["b"]["uncertainty"] = {"reservation": {"low": 0.1, "high": 0.9}}
    data["plans"].append({"id": "join", "title": "join",
                          "choices": {"land": "none", "cap": 600000, "bloc": "join"}})
    s = scenario(data)
    res = sensitivity(s, "join", samples=8192, sobol_n=256, seed=4)
    [e] = res.red_lines
    assert e.party == "b" and e.accept_if_real == 0.0 and e.stated_hangs
    m = compile_scenario(s)
    u = float(m.utilities(m.encode(dict(s.plan("join").choices)))[1])
    exact = (u - 0.1) / 0.8  # P(walk-away <= u) with walk-away ~ U(.1, .9)
    assert e.accept_if_not == pytest.approx(exact, abs=0.02)
    if exact > 0.5:
        assert e.accept_flip == pytest.approx(1 - 0.5 / e.accept_if_not)
    assert res.hangs_on() == {"b": [e.red_line]}
    assert any("red line" in si.input for si in res.sobol if si.target == "b")
