"""The two engines agree, and both agree with a brute force written here, on random models."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import random_model

from accord.model.compiled import CompiledModel
from accord.solve import METHODS, solve

TOL = 1e-6


def objective(method: str, u: np.ndarray, model: CompiledModel, feasible_u: np.ndarray,
              base: np.ndarray | None) -> np.ndarray:
    """Each concept's primary objective, written independently of accord.solve."""
    d = model.reservation
    if method == "utilitarian":
        return u.sum(axis=1)
    if method == "egalitarian":
        return u.min(axis=1)
    if method == "maxmin-gain":
        assert base is not None
        return (u - model.utilities(base)).min(axis=1)
    if method == "nash":
        g = u - d
        with np.errstate(divide="ignore"):
            return np.where((g > 0).all(axis=1), np.log(np.clip(g, 1e-300, None)).sum(axis=1),
                            -np.inf)
    if not len(feasible_u):
        return np.zeros(0)
    ideal = feasible_u.max(axis=0)
    rng = ideal - d
    act = rng > 1e-6
    if not act.any():
        return np.zeros(len(u))
    return ((u - d)[:, act] / rng[act]).min(axis=1)


def brute(model: CompiledModel, method: str, base: np.ndarray | None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All feasible packages (red lines, reservations; and u >= d for Nash/KS), utilities and
    objectives, by itertools."""
    x = np.array(list(itertools.product(*[range(int(n)) for n in model.n_options])))
    u = model.utilities(x)
    ok = model.accepts(x).all(axis=1)
    x, u = x[ok], u[ok]
    return x, u, objective(method, u, model, u, base)


@st.composite
def models(draw: st.DrawFn) -> tuple[CompiledModel, str, int]:
    n_parties = draw(st.integers(2, 4))
    n_options = draw(st.lists(st.integers(2, 4), min_size=1, max_size=5))
    model = random_model(draw(st.integers(0, 2**31)), n_parties, n_options,
                         red=draw(st.sampled_from([0.0, 0.15, 0.3])),
                         res=draw(st.sampled_from([0.0, 0.3, 0.5, 0.7])),
                         quantum=draw(st.sampled_from([0, 4])))
    return model, draw(st.sampled_from(METHODS)), draw(st.integers(1, 4))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_engines_agree_with_brute_force(case: tuple[CompiledModel, str, int]) -> None:
    model, method, top = case
    base = np.zeros(model.n_issues, dtype=np.int64) if method == "maxmin-gain" else None
    x, u, obj = brute(model, method, base)
    expected = np.sort(obj)[::-1][:top]
    for engine in ("enumeration", "milp") + (("dp",) if top == 1 else ()):
        res = solve(model, method, top=top, engine=engine, baseline=base)
        assert res.optimal, (engine, res.message)
        assert res.feasible == bool(len(x)), (engine, res.message)
        if not len(x):
            assert "no package" in res.message
            continue
        got = np.array([p.package for p in res.packages])
        assert len(got) == min(top, len(x))
        assert len({tuple(p) for p in got.tolist()}) == len(got), "packages are distinct"
        # Every package returned is feasible and its objective is the k-th best.
        assert model.accepts(got).all()
        got_obj = objective(method, model.utilities(got), model, u, base)
        finite = np.isfinite(expected)
        assert np.array_equal(np.isfinite(got_obj), finite)
        assert np.allclose(got_obj[finite], expected[finite], atol=TOL), (engine, got_obj,
                                                                         expected)


def test_nash_milp_large_is_proven_and_beats_random_packages() -> None:
    model = random_model(3, 2, [5] * 28, red=0.0, res=0.2)
    res = solve(model, "nash", engine="milp")
    assert res.engine == "milp" and res.optimal and res.gap <= res.tolerance
    best = res.packages[0]
    # The frontier engine is exact by another route: the two agree to the stated tolerance.
    other = solve(model, "nash")
    assert other.engine == "dp" and other.optimal
    assert other.packages[0].objective == pytest.approx(best.objective, abs=res.tolerance)
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.integers(0, 5, 20000) for _ in range(28)])
    u = model.utilities(x)
    g = u - model.reservation
    ok = (g > 0).all(axis=1)
    sample = np.log(g[ok]).sum(axis=1).max()
    assert best.objective is not None and best.objective >= sample - 1e-9


def test_auto_engine_and_bad_arguments() -> None:
    small = random_model(1, 2, [3, 3], red=0.0, res=0.0)
    assert solve(small, "nash").engine == "enumeration"
    assert solve(random_model(1, 2, [10] * 5, red=0.0, res=0.0), "nash").engine == "dp"
    with pytest.raises(ValueError, match="dp engine"):
        solve(small, "nash", engine="dp", top=2)
    assert solve(random_model(1, 4, [5] * 12, red=0.0, res=0.0), "egalitarian").engine == "milp"
    with pytest.raises(ValueError, match="unknown method"):
        solve(small, "fair")
    with pytest.raises(ValueError, match="baseline"):
        solve(small, "maxmin-gain")
    with pytest.raises(ValueError, match="engine"):
        solve(small, "nash", engine="quantum")
