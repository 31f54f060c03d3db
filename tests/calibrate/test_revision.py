"""The smallest revision: optimal against a brute-force search, and it reproduces every counted
observation when the revised scenario is compiled again."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.calibrate import consistency, observations, revised_data, smallest_revision
from accord.calibrate.observations import EPSILON
from accord.calibrate.revision import MIN_CONFIDENCE, walkaway_interval
from accord.model import compile_scenario, parse_scenario
from accord.uncertainty import compile_uncertainty
from accord.uncertainty.spec import fixed_reservation

from .helpers import one_party, scenario

GRID = 200


def _simplex(m: int) -> np.ndarray:
    """Every weight vector on the simplex with coordinates in steps of 1/GRID."""
    pts = [c for c in itertools.product(range(GRID + 1), repeat=m - 1) if sum(c) <= GRID]
    a = np.array([[*c, GRID - sum(c)] for c in pts], dtype=float) / GRID
    return a


def brute_force(s) -> float | None:
    """Smallest L1 distance over a weight grid with the exactly best walk-away for each."""
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    used = [o for o in observations(s) if o.counted and o.kind == "stance"
            and o.confidence >= MIN_CONFIDENCE]
    support = np.flatnonzero(m.weights[0] > 0)
    w0 = m.weights[0, support]
    r0 = float(fixed_reservation(spec)[0])
    lo, hi = walkaway_interval(s, spec, 0)
    w = _simplex(support.size)
    r_min = np.full(w.shape[0], lo)
    r_max = np.full(w.shape[0], hi)
    for o in used:
        x = m.encode(dict(s.plan(o.plan).choices))
        if not m.within_red_lines(x[None])[0, 0]:
            if o.says_accepts:
                return None
            continue
        u = w @ m.values[0, support, x[support]]
        if o.says_accepts:
            r_max = np.minimum(r_max, u)
        else:
            r_min = np.maximum(r_min, u + EPSILON)
    ok = r_min <= r_max + 1e-12
    if not ok.any():
        return None
    r = np.clip(r0, r_min, r_max)
    dist = np.abs(w - w0).sum(axis=1) + np.abs(r - r0)
    return float(dist[ok].min())


OPTIONS = ["lo", "mid", "hi"]


@st.composite
def cases(draw):
    n_issues = draw(st.integers(2, 3))
    issues = [f"i{k}" for k in range(n_issues)]
    tenth = st.integers(0, 10).map(lambda k: k / 10)
    values = {i: {o: draw(tenth) for o in OPTIONS} for i in issues}
    weights = {i: draw(st.integers(0, 4)) for i in issues}
    if sum(weights.values()) == 0:
        weights[issues[0]] = 1
    plans = {f"p{k}": {i: draw(st.sampled_from(OPTIONS)) for i in issues}
             for k in range(draw(st.integers(1, 4)))}
    stances = st.sampled_from(["accepts", "rejects", "basis"])
    confs = st.sampled_from([None, 0.6, 0.7, 0.8, 1.0])
    statements = []
    for k, plan in enumerate(plans):
        st_ = {"id": f"s{k}", "about": plan, "stance": draw(stances)}
        c = draw(confs)
        if c is not None:
            st_["confidence"] = c
        statements.append(st_)
    red = []
    if draw(st.booleans()):
        red = [{"issue": issues[0], "forbid": [draw(st.sampled_from(OPTIONS))]}]
    res = draw(tenth)
    unc = None
    if draw(st.booleans()):
        lo = draw(st.integers(0, 10)) / 10
        hi = draw(st.integers(int(lo * 10), 10)) / 10
        unc = {"reservation": {"low": lo, "high": hi}}
    return one_party(plans, statements, reservation=res, uncertainty=unc, weights=weights,
                     values=values, red_lines=red)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_revision_is_optimal_and_reproduces_every_counted_observation(data) -> None:
    try:
        s = scenario(data)
    except Exception:  # e.g. a red line forbidding every option: not a case
        return
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    obs = observations(s)
    rev = smallest_revision(s, m, spec, "a", obs)
    best = brute_force(s)
    if not rev.feasible:
        assert best is None
        assert rev.conflict
        return
    if best is not None:
        assert rev.distance <= best + 1e-7
    w0 = m.weights[0]
    new_w = np.array([rev.weights[i] for i in m.issue_ids])
    assert new_w.sum() == pytest.approx(1.0)
    assert np.all(new_w[w0 == 0] == 0)  # zero weights stay zero
    lo, hi = walkaway_interval(s, spec, 0)
    assert rev.reservation is not None and lo - 1e-12 <= rev.reservation <= hi + 1e-12
    r0 = float(fixed_reservation(spec)[0])
    assert rev.distance == pytest.approx(np.abs(new_w - w0).sum() + abs(rev.reservation - r0))
    # The revised scenario, compiled afresh, reproduces every counted observation it used.
    revised, _ = parse_scenario(revised_data(s, {"a": rev}))
    rm = compile_scenario(revised)
    fits = consistency(revised, rm, compile_uncertainty(revised, rm), observations(revised))
    for f in fits:
        o = f.observation
        if o.kind == "stance" and o.counted and o.confidence >= MIN_CONFIDENCE:
            assert f.fits, f.why


def test_infeasible_names_an_irreducible_conflict() -> None:
    # p is at least as good as q on both issues: accepting q and rejecting p cannot both hold;
    # the third statement is compatible with either and must not be named.
    data = one_party({"p": {"x": "hi", "y": "mid"}, "q": {"x": "mid", "y": "mid"},
                      "z": {"x": "lo", "y": "lo"}},
                     [{"id": "acc-q", "about": "q", "stance": "accepts"},
                      {"id": "rej-p", "about": "p", "stance": "rejects"},
                      {"id": "rej-z", "about": "z", "stance": "rejects"}])
    s = scenario(data)
    m = compile_scenario(s)
    rev = smallest_revision(s, m, compile_uncertainty(s, m), "a", observations(s))
    assert not rev.feasible
    assert sorted(rev.conflict) == ["acc-q", "rej-p"]
    assert "conflict" in rev.words()


def test_accepted_plan_across_a_red_line_contradicts_it() -> None:
    data = one_party({"p": {"x": "lo", "y": "hi"}},
                     [{"id": "acc", "about": "p", "stance": "accepts"}],
                     red_lines=[{"issue": "x", "forbid": ["lo"]}])
    s = scenario(data)
    m = compile_scenario(s)
    rev = smallest_revision(s, m, compile_uncertainty(s, m), "a", observations(s))
    assert not rev.feasible and rev.conflict == ["acc"]
    assert rev.contradicted_red_lines == ["x"] and "contradicted" in rev.note


def test_changes_in_words_and_weak_statements_left_out() -> None:
    data = one_party({"p": {"x": "hi", "y": "lo"}, "q": {"x": "lo", "y": "hi"}},
                     [{"id": "rej", "about": "p", "stance": "rejects"},
                      {"id": "weak", "about": "q", "stance": "rejects", "confidence": 0.6}],
                     reservation=0.4)
    s = scenario(data)
    m = compile_scenario(s)
    rev = smallest_revision(s, m, compile_uncertainty(s, m), "a", observations(s))
    assert rev.feasible and rev.observations == ["rej"]
    # u(p) = 0.5 needs u <= r - 0.005: raising r by 0.105 costs 0.105; moving weight from x to
    # y costs twice the drop in u (0.21). So the walk-away moves.
    assert rev.distance == pytest.approx(0.105)
    assert rev.words() == "a: walk-away 0.400 -> 0.505"
