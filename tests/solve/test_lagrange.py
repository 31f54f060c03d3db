"""The Lagrangian bound-and-enumerate step of the lexicographic max-min programs is exact: it
returns the brute-force optimum of an independent oracle (constraints, conditional red lines,
an exempt plan, walk-away floors, no-good cuts, scales and shifts, tied values), and the MILP
it stands in front of finds the same values where brute force cannot go."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oracle import linked_scenario_dicts, oracle_admissible, oracle_utility, packages, random_model

from accord.model import ScenarioError, compile_scenario, parse_scenario
from accord.solve import lagrange, make_problem, milp, solve

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _brute(scenario: Any, parties: list[str], exempt: dict[str, Any] | None,
           floor: np.ndarray, scale: np.ndarray, shift: np.ndarray, act: np.ndarray,
           no_goods: list[dict[str, Any]]) -> tuple[int, float] | None:
    """Index (in package order) of the lexicographic max-min package by the MILP's rules
    (second stage: every active row within LEX_TOL of t*, largest sum; ties to 1e-9 to the
    first package), and t*; None when nothing is feasible."""
    cands, us = [], []
    for k, c in enumerate(packages(scenario)):
        if c in no_goods or not oracle_admissible(scenario, c, exempt):
            continue
        u = np.array([oracle_utility(scenario, p, c) for p in parties])
        if (u < floor - 1e-12).any():
            continue
        cands.append(k)
        us.append(u)
    if not cands:
        return None
    u = np.array(us)
    t = ((u[:, act] - shift[act]) / scale[act]).min(axis=1)
    t_star = float(t.max())
    near = (u[:, act] - shift[act] - scale[act] * t_star >= -milp.LEX_TOL).all(axis=1)
    total = u.sum(axis=1)
    best = total[near].max()
    return cands[int(np.flatnonzero(near & (total >= best - 1e-9))[0])], t_star


@SETTINGS
@given(st.data())
def test_bound_and_enumerate_equals_brute_force(data: st.DataObject) -> None:
    try:
        scenario = parse_scenario(linked_scenario_dicts(data.draw, max_issues=5,
                                                        max_options=4))[0]
    except ScenarioError:
        return
    model = compile_scenario(scenario)
    parties = list(model.party_ids)
    n_p = len(parties)
    everything = packages(scenario)
    exempt = data.draw(st.sampled_from([None, *everything[:5]]))
    rationality = data.draw(st.booleans())
    problem = make_problem(model, parties, individual_rationality=rationality,
                           exempt=None if exempt is None else model.encode(exempt))
    act = np.array(data.draw(st.lists(st.booleans(), min_size=n_p, max_size=n_p)))
    if not act.any():
        act[0] = True
    scale = np.array(data.draw(st.lists(st.sampled_from([0.25, 0.5, 1.0, 2.0]),
                                        min_size=n_p, max_size=n_p)))
    shift = np.array(data.draw(st.lists(st.sampled_from([-0.5, 0.0, 0.25, 0.5]),
                                        min_size=n_p, max_size=n_p)))
    cuts = data.draw(st.lists(st.sampled_from(everything), max_size=3, unique_by=str))
    got = lagrange.lex_maxmin(problem, scale, shift, act, [model.encode(c) for c in cuts],
                              milp.LEX_TOL)
    want = _brute(scenario, parties, exempt, problem.floor, scale, shift, act, cuts)
    if want is None:
        assert got is None  # nothing feasible: the MILP says so
        return
    assert got is not None
    x, t_star = got
    assert t_star == pytest.approx(want[1], abs=1e-12)
    assert model.decode(x) == everything[want[0]]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 5), st.integers(10, 25), st.sampled_from([0, 4, 8]))
@example(159049, 3, 15, 8)  # HiGHS alone, with its default absolute gap, stopped 6e-7 short
def test_milp_finds_the_same_values(seed: int, n_parties: int, n_issues: int,
                                    quantum: int) -> None:
    """Beyond brute force's reach (up to 5^25 packages, red lines, ties): the max-min gain
    and its tie-break sum equal those of HiGHS alone."""
    model = random_model(seed, n_parties, [5] * n_issues, red=0.1, res=0.0, quantum=quantum)
    base = np.random.default_rng(seed).integers(0, 5, n_issues)

    def values() -> tuple[float, float]:
        res = solve(model, "maxmin-gain", baseline=base, exempt=base, engine="milp",
                    individual_rationality=False)
        assert res.optimal and res.packages
        u = model.utilities(res.packages[0].package)
        return float((u - model.utilities(base)).min()), float(u.sum())

    fast = values()
    saved = lagrange.CAP
    lagrange.CAP = 0  # every enumeration is "too large": HiGHS solves both stages
    try:
        alone = values()
    finally:
        lagrange.CAP = saved
    assert np.allclose(fast, alone, atol=1e-7), (fast, alone)


def test_too_large_an_enumeration_leaves_it_to_the_milp(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    model = random_model(3, 3, [5] * 12, red=0.1, res=0.0)
    base = np.zeros(12, dtype=np.int64)
    problem = make_problem(model, individual_rationality=False, exempt=base)
    shift = model.utilities(base)
    act = np.ones(3, dtype=bool)
    assert lagrange.lex_maxmin(problem, np.ones(3), shift, act, None, milp.LEX_TOL) is not None
    monkeypatch.setattr(lagrange, "CAP", 0)
    assert lagrange.lex_maxmin(problem, np.ones(3), shift, act, None, milp.LEX_TOL) is None
