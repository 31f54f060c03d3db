"""Textbook properties: symmetry, scale invariance of Nash, Kalai-Smorodinsky's monotonicity
(Kalai and Smorodinsky 1975), and plain answers when there is no agreement zone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.io import parse_text
from accord.model import compile_scenario
from accord.model.compiled import CompiledModel, RedLines
from accord.solve import solve


def two_party(values_a: np.ndarray, values_b: np.ndarray, weights_a: np.ndarray,
              weights_b: np.ndarray, reservation: tuple[float, float] = (0.0, 0.0)
              ) -> CompiledModel:
    n_i, n_o = values_a.shape
    return CompiledModel(
        scenario_id="t", party_ids=("a", "b"), issue_ids=tuple(f"i{i}" for i in range(n_i)),
        options=tuple(tuple(str(o) for o in range(n_o)) for _ in range(n_i)),
        raw_options=tuple(tuple(range(n_o)) for _ in range(n_i)),
        numeric=np.zeros(n_i, dtype=bool), n_options=np.full(n_i, n_o),
        weights=np.stack([weights_a, weights_b]), values=np.stack([values_a, values_b]),
        red_lines=RedLines.from_masks(("a", "b"), np.zeros((2, n_i, n_o), dtype=bool),
                                      np.zeros((n_i, n_o), dtype=bool)),
        padding=np.zeros((n_i, n_o), dtype=bool),
        reservation=np.array(reservation))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 4), st.sampled_from(["nash", "ks", "egalitarian"]))
def test_symmetric_problem_has_symmetric_solution(seed: int, n_issues: int, method: str) -> None:
    # Party b's values are party a's with each issue's options reversed: swapping the parties
    # maps the problem onto itself, so the optimum's mirror image is optimal too, and the set
    # of optimal utility vectors is closed under swapping.
    rng = np.random.default_rng(seed)
    va = np.round(rng.random((n_issues, 3)) * 4) / 4
    w = rng.dirichlet(np.ones(n_issues))
    model = two_party(va, va[:, ::-1], w, w)
    res = solve(model, method, top=81, engine="enumeration")
    best = res.packages[0].objective
    tied = [p for p in res.packages if p.objective is not None and best is not None
            and abs(p.objective - best) < 1e-9]
    points = {(round(p.utilities["a"], 9), round(p.utilities["b"], 9)) for p in tied}
    assert points == {(b, a) for a, b in points}
    mirror = 2 - res.packages[0].package
    assert np.allclose(model.utilities(mirror)[::-1], model.utilities(res.packages[0].package))
    for engine in ("milp",):
        other = solve(model, method, engine=engine)
        assert other.packages[0].objective == pytest.approx(best, abs=1e-6)


def test_symmetric_compromise_is_chosen() -> None:
    # Each issue: a wins, b wins, or a compromise worth 0.6 to both.
    va = np.array([[1.0, 0.0, 0.6]] * 3)
    vb = np.array([[0.0, 1.0, 0.6]] * 3)
    w = np.full(3, 1 / 3)
    model = two_party(va, vb, w, w)
    for method in ("nash", "ks", "egalitarian"):
        for engine in ("enumeration", "milp"):
            u = solve(model, method, engine=engine).packages[0].utilities
            assert u["a"] == pytest.approx(u["b"])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.1, 10.0), st.floats(-1.0, 1.0))
def test_nash_is_invariant_to_rescaling_one_party(seed: int, scale: float, shift: float) -> None:
    rng = np.random.default_rng(seed)
    n_i = 4
    va, vb = rng.random((n_i, 3)), rng.random((n_i, 3))
    wa, wb = rng.dirichlet(np.ones(n_i)), rng.dirichlet(np.ones(n_i))
    model = two_party(va, vb, wa, wb, (0.2, 0.1))
    # u_b -> scale * u_b + shift, with its disagreement value transformed the same way
    # (weights sum to 1, so adding `shift` to every value adds it to the utility).
    scaled = two_party(va, scale * vb + shift, wa, wb, (0.2, scale * 0.1 + shift))
    for engine in ("enumeration", "milp"):
        a = solve(model, "nash", engine=engine, individual_rationality=False,
                  disagreement=[0.2, 0.1])
        b = solve(scaled, "nash", engine=engine, individual_rationality=False,
                  disagreement=[0.2, scale * 0.1 + shift])
        assert a.feasible == b.feasible
        if a.feasible:
            ua = model.utilities(a.packages[0].package)
            ub = model.utilities(b.packages[0].package)
            # The same package (or one with the same utilities in the original scale).
            assert np.allclose(ua, ub, atol=1e-6)


def test_kalai_smorodinsky_monotonicity_classic_example() -> None:
    # Kalai and Smorodinsky (1975): enlarging the set so that party b could get more at every
    # level of a's utility must not make b worse off. S1 = {(0,0), (0,1), (1,0), (.75,.75)};
    # S2 adds points on the segment from (0,1) to (1,.7). Nash moves to (1, .7), b loses;
    # KS moves to (1/1.3, 1/1.3), both gain.
    def one_issue(points: list[tuple[float, float]]) -> CompiledModel:
        pa = np.array([[p[0] for p in points]])
        pb = np.array([[p[1] for p in points]])
        return two_party(pa, pb, np.ones(1), np.ones(1))

    s1 = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (0.75, 0.75)]
    k = 1 / 1.3
    s2 = s1 + [(1.0, 0.7), (0.5, 0.85), (0.25, 0.925), (k, 1 - 0.3 * k)]
    for engine in ("enumeration", "milp"):
        ks1 = solve(one_issue(s1), "ks", engine=engine).packages[0].utilities
        ks2 = solve(one_issue(s2), "ks", engine=engine).packages[0].utilities
        nash2 = solve(one_issue(s2), "nash", engine=engine).packages[0].utilities
        assert (ks1["a"], ks1["b"]) == pytest.approx((0.75, 0.75))
        assert (ks2["a"], ks2["b"]) == pytest.approx((k, k))
        assert ks2["a"] >= ks1["a"] and ks2["b"] >= ks1["b"]
        assert (nash2["a"], nash2["b"]) == pytest.approx((1.0, 0.7))


NO_ZONE = """
scenario: no-zone
title: Walk-away values that cannot be met together
parties:
  - {id: a, name: Alpha, reservation: 0.7}
  - {id: b, name: Beta, reservation: 0.7}
  - {id: c, name: Gamma, reservation: 0.1}
issues:
  - {id: land, name: Land, options: [all, half, none]}
  - {id: money, name: Money, options: [high, low]}
preferences:
  a:
    weights: {land: 1, money: 1}
    values: {land: {all: 1, half: 0.5, none: 0}, money: {high: 1, low: 0}}
  b:
    weights: {land: 1, money: 1}
    values: {land: {all: 0, half: 0.5, none: 1}, money: {high: 0, low: 1}}
  c:
    weights: {land: 1, money: 1}
    values: {land: {all: 0.5, half: 0.5, none: 0.5}, money: {high: 0.5, low: 0.5}}
"""


@pytest.mark.parametrize("engine", ["enumeration", "milp"])
@pytest.mark.parametrize("method", ["nash", "ks", "egalitarian", "utilitarian"])
def test_no_agreement_zone_is_said_plainly(method: str, engine: str) -> None:
    model = compile_scenario(parse_text(NO_ZONE, "no-zone.yaml")[0])
    res = solve(model, method, engine=engine)
    assert not res.feasible and res.optimal and not res.packages
    assert "walk-away values of a (0.700) and b (0.700) cannot be met together" in res.message
    assert "c (" not in res.message  # c is not part of the conflict
    assert "No agreement zone" in res.message
    # Without walk-away values there are packages again.
    assert solve(model, method, engine=engine, individual_rationality=False).feasible


def test_red_lines_blocking_an_issue_are_named() -> None:
    text = NO_ZONE.replace("reservation: 0.7", "reservation: 0.0") + """    red_lines:
      - {issue: land, forbid: [all, half]}
"""
    text = text.replace("""  b:
    weights""", """  b:
    red_lines:
      - {issue: land, forbid: [none]}
    weights""")
    model = compile_scenario(parse_text(text, "x.yaml")[0])
    for engine in ("enumeration", "milp"):
        res = solve(model, "nash", engine=engine)
        assert not res.feasible
        assert "on issue 'land' every option is behind a red line" in res.message
        assert "b forbids none" in res.message and "c forbids all, half" in res.message
        assert solve(model, "nash", engine=engine, respect_red_lines=False).feasible


def test_a_party_that_cannot_reach_its_walk_away_is_named() -> None:
    text = NO_ZONE.replace("reservation: 0.1", "reservation: 0.9")
    model = compile_scenario(parse_text(text, "x.yaml")[0])
    res = solve(model, "egalitarian")
    assert "c cannot reach its walk-away 0.900" in res.message


def test_top_k_is_best_first_and_distinct(small_scenario) -> None:  # type: ignore[no-untyped-def]
    model = compile_scenario(small_scenario)
    for engine in ("enumeration", "milp"):
        res = solve(model, "utilitarian", top=5, engine=engine)
        sums = [sum(p.utilities.values()) for p in res.packages]
        assert sums == sorted(sums, reverse=True)
        assert len({tuple(p.package) for p in res.packages}) == len(res.packages)
        d = res.to_dict()
        assert {"method", "engine", "optimal", "gap", "seconds", "packages"} <= set(d)
        assert set(d["packages"][0]) >= {"choices", "utilities"}
