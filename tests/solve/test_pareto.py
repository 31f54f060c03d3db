"""The Pareto frontier against brute force, and its fallbacks labelled for what they are."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import random_model

from accord.model.compiled import CompiledModel
from accord.solve import frontier, make_problem
from accord.solve.pareto import by_epsilon_constraint, by_weighted_sums, pareto_frontier


def brute_front(model: CompiledModel, red: bool, ir: bool) -> set[tuple[float, ...]]:
    x = np.array(list(itertools.product(*[range(int(n)) for n in model.n_options])))
    ok = np.ones(len(x), dtype=bool)
    if red:
        ok &= model.within_red_lines(x).all(axis=1)
    u = model.utilities(x)
    if ir:
        ok &= (u >= model.reservation).all(axis=1)
    pts = {tuple(np.round(r, 10)) for r in u[ok]}
    if not pts:
        return set()
    arr = np.array(sorted(pts))
    ge = (arr[:, None, :] >= arr[None, :, :]).all(axis=2)  # ge[q, p]: q >= p everywhere
    gt = (arr[:, None, :] > arr[None, :, :]).any(axis=2)
    dominated = (ge & gt).any(axis=0)
    return {tuple(p) for p in arr[~dominated]}


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 3),
       st.lists(st.integers(2, 4), min_size=1, max_size=5), st.booleans(), st.booleans(),
       st.sampled_from([0, 3]))
def test_frontier_matches_brute_force(seed: int, n_parties: int, n_options: list[int],
                                      red: bool, ir: bool, quantum: int) -> None:
    model = random_model(seed, n_parties, n_options, quantum=quantum)
    front = frontier(model, respect_red_lines=red, individual_rationality=ir)
    assert front.exact
    got = {tuple(np.round(r, 10)) for r in front.utilities}
    assert got == brute_front(model, red, ir)
    # Each point's package really has those utilities.
    if len(front):
        assert np.allclose(model.utilities(front.packages), front.utilities)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.lists(st.integers(2, 4), min_size=1, max_size=4))
def test_epsilon_constraint_equals_dynamic_programming(seed: int, n_options: list[int]) -> None:
    model = random_model(seed, 2, n_options, quantum=0)
    problem = make_problem(model, respect_red_lines=True, individual_rationality=False)
    u, x, exact = by_epsilon_constraint(problem)
    assert exact
    dp = pareto_frontier(problem)
    assert u.shape == dp.utilities.shape
    assert np.allclose(u, dp.utilities, atol=1e-6)


def test_weighted_sums_are_an_inner_approximation() -> None:
    model = random_model(7, 3, [3, 4, 3, 4], quantum=0)
    problem = make_problem(model, respect_red_lines=True, individual_rationality=False)
    exact = {tuple(np.round(r, 10)) for r in pareto_frontier(problem).utilities}
    u, _ = by_weighted_sums(problem, n_weights=20)
    assert {tuple(np.round(r, 10)) for r in u} <= exact


def test_large_frontier_falls_back_with_a_label(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import accord.solve.pareto as pareto

    monkeypatch.setattr(pareto, "DP_CAP_N", 5)
    model = random_model(2, 3, [4] * 6, quantum=0)
    front = frontier(model, respect_red_lines=False)
    assert not front.exact and "inner approximation" in front.method
    monkeypatch.setattr(pareto, "DP_CAP_2", 3)
    two = frontier(model, ["p0", "p1"], respect_red_lines=False)
    assert two.exact and "epsilon-constraint" in two.method
    assert len(two) > 3
