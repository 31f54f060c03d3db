"""Property tests: outcomes respect walk-aways and red lines, whatever the strategies; the
time-dependent tactics follow Faratin et al.'s formula; seeds reproduce runs."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.model.compiled import CompiledModel, RedLines
from accord.negotiate import (
    STRATEGIES,
    BidSpace,
    Boulware,
    Conceder,
    Context,
    HillClimbing,
    SimulatedAnnealing,
    Strategy,
    TimeDependent,
    simulate,
    single_text,
    stacked_offers,
)

PROFILES = [("boulware", "conceder"), ("conceder", "conceder"), ("tit-for-tat", "linear"),
            ("hardheaded", "pareto"), ("pareto", "conceder")]


def random_model(seed: int, parties: int, issues: int, max_options: int,
                 red_lines: bool = True) -> CompiledModel:
    """A random additive model built directly as arrays (red lines, walk-aways included)."""
    rng = np.random.default_rng(seed)
    n_opt = rng.integers(2, max_options + 1, size=issues)
    omax = int(n_opt.max())
    padding = np.arange(omax)[None, :] >= n_opt[:, None]
    weights = rng.dirichlet(np.ones(issues), size=parties)
    values = rng.random((parties, issues, omax))
    values[:, padding] = 0.0
    forbidden = np.broadcast_to(padding, (parties, issues, omax)).copy()
    if red_lines:
        for p in range(parties):
            i = int(rng.integers(issues))
            o = int(rng.integers(n_opt[i]))
            if rng.random() < 0.7:
                forbidden[p, i, o] = True
                forbidden[p, i, int(values[p, i, : n_opt[i]].argmax())] = False
    options = tuple(tuple(f"o{k}" for k in range(n)) for n in n_opt)
    return CompiledModel(
        scenario_id=f"random-{seed}", party_ids=tuple(f"p{k}" for k in range(parties)),
        issue_ids=tuple(f"i{k}" for k in range(issues)), options=options,
        raw_options=options, numeric=np.zeros(issues, dtype=bool),
        n_options=n_opt.astype(np.int64), weights=weights, values=values,
        red_lines=RedLines.from_masks([f"p{k}" for k in range(parties)], forbidden, padding),
        padding=padding,
        reservation=rng.uniform(0.0, 0.6, size=parties),
    )


def _assert_respected(model: CompiledModel, package: np.ndarray | None) -> None:
    if package is None:
        return
    assert model.within_red_lines(package).all()
    assert (model.utilities(package) >= model.reservation - 1e-9).all()


class AcceptAnything(Strategy):
    """A careless user strategy: accepts every offer and asks for its worst package."""

    name: ClassVar[str] = "accept-anything"

    def target(self, t: float) -> float:
        return 0.0

    def accepts(self, t: float, bid: int, my_next: int) -> bool:
        return True


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), parties=st.integers(2, 3), issues=st.integers(1, 4),
       rounds=st.integers(1, 40), profile=st.sampled_from(PROFILES),
       discount=st.sampled_from([1.0, 0.7]))
def test_offers_never_agree_below_walkaway_or_across_red_lines(
        seed: int, parties: int, issues: int, rounds: int, profile: tuple[str, str],
        discount: float) -> None:
    model = random_model(seed, parties, issues, 4)
    names = [profile[k % 2] for k in range(parties)]
    protocol = "alternating" if parties == 2 else "stacked"
    r = simulate(model, protocol, names, rounds=rounds, seed=seed, discount=discount)
    _assert_respected(model, r.package)
    if r.agreement:
        t = (r.rounds - 1) / max(rounds - 1, 1)
        factor = discount**t
        assert all(r.discounted[p] >= model.reservation[k] - 1e-9
                   for k, p in enumerate(model.party_ids))
        assert math.isclose(sum(r.discounted.values()), factor * r.welfare, rel_tol=1e-9)
    else:
        assert r.utilities == dict(zip(model.party_ids, model.reservation.tolist(),
                                       strict=True))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), parties=st.integers(2, 3))
def test_the_protocol_guards_careless_strategies(seed: int, parties: int) -> None:
    model = random_model(seed, parties, 3, 4)
    r = stacked_offers(model, [AcceptAnything() for _ in range(parties)], rounds=10, seed=seed)
    _assert_respected(model, r.package)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), parties=st.integers(2, 3),
       annealing=st.booleans())
def test_single_text_never_agrees_below_walkaway_or_across_red_lines(
        seed: int, parties: int, annealing: bool) -> None:
    model = random_model(seed, parties, 4, 3)
    med = SimulatedAnnealing() if annealing else HillClimbing()
    r = single_text(model, mediator=med, rounds=30, seed=seed)
    _assert_respected(model, r.package)
    assert r.trace[-1]["event"] == "final vote"
    assert r.agreement == all(r.trace[-1]["votes"].values())


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_hill_climbing_revisions_leave_nobody_worse_off(seed: int) -> None:
    model = random_model(seed, 2, 4, 3, red_lines=False)
    r = single_text(model, mediator=HillClimbing(), rounds=50, seed=seed)
    drafts = [e for e in r.trace if "choices" in e]  # restarts start a fresh climb
    for a, b in zip(drafts, drafts[1:], strict=False):
        if b["event"] != "revision":
            continue
        ua, ub = a["utilities"], b["utilities"]
        assert all(ub[p] >= ua[p] - 1e-9 for p in ua)
        assert any(ub[p] > ua[p] + 1e-12 for p in ua)


@settings(max_examples=50)
@given(e=st.floats(0.01, 50), k=st.floats(0, 1), t=st.floats(0, 1),
       lo=st.floats(0, 0.5), hi=st.floats(0.5, 1))
def test_time_dependent_target_follows_faratin(e: float, k: float, t: float, lo: float,
                                               hi: float) -> None:
    s = TimeDependent(e, k)
    s.ctx = _FixedContext(lo, hi)  # type: ignore[assignment]
    alpha = k + (1 - k) * t ** (1 / e)
    assert math.isclose(s.target(t), lo + (1 - alpha) * (hi - lo), abs_tol=1e-12)


class _FixedContext:
    def __init__(self, lo: float, hi: float) -> None:
        self.u_min, self.u_max = lo, hi


@settings(max_examples=50)
@given(t=st.floats(0, 1), e_slow=st.floats(0.01, 1), e_fast=st.floats(1, 50))
def test_boulware_aspiration_never_below_conceder(t: float, e_slow: float,
                                                  e_fast: float) -> None:
    ctx = _FixedContext(0.2, 0.9)
    slow, fast = TimeDependent(e_slow), TimeDependent(e_fast)
    slow.ctx = fast.ctx = ctx  # type: ignore[assignment]
    assert slow.target(t) >= fast.target(t) - 1e-12
    assert slow.target(0.0) == pytest.approx(0.9) and slow.target(1.0) == pytest.approx(0.2)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_boulware_concedes_no_faster_than_conceder_in_play(seed: int) -> None:
    """Against the same opponent, Boulware's own offers are never worth less to it than
    Conceder's offers are worth to Conceder, round by round (same party, same model)."""
    model = random_model(seed, 2, 3, 4)
    own: dict[str, list[float]] = {}
    for cls in (Boulware, Conceder):
        r = stacked_offers(model, [cls(), TimeDependent(0.05)], rounds=30, seed=seed,
                           record=True)
        own[cls.name] = [e["utilities"]["p0"] for e in r.trace
                         if e["party"] == "p0" and e["action"] == "offer"]
    n = min(len(own["boulware"]), len(own["conceder"]))
    assert all(b >= c - 1e-12 for b, c in zip(own["boulware"][:n], own["conceder"][:n],
                                              strict=True))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), profile=st.sampled_from(PROFILES))
def test_same_seed_same_result(seed: int, profile: tuple[str, str]) -> None:
    model = random_model(seed, 2, 3, 4)
    a = simulate(model, "alternating", profile, rounds=30, seed=seed, record=True)
    b = simulate(model, "alternating", profile, rounds=30, seed=seed, record=True)
    assert a.to_dict(trace=True) == b.to_dict(trace=True)
    s1 = single_text(model, mediator=SimulatedAnnealing(), rounds=20, seed=seed)
    s2 = single_text(model, mediator=SimulatedAnnealing(), rounds=20, seed=seed)
    assert s1.to_dict(trace=True) == s2.to_dict(trace=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), target=st.floats(0, 1))
def test_enumerated_inverse_is_the_least_package_at_or_above_target(seed: int,
                                                                    target: float) -> None:
    model = random_model(seed, 2, 3, 4)
    space = BidSpace(model)
    bid = space.at_least(0, target)
    ok = space.own_ok[:, 0]
    u = space.utils[:, 0]
    above = u[ok & (u >= target - 1e-12)]
    if above.size:
        assert u[bid] == pytest.approx(above.min())
    else:
        assert u[bid] == pytest.approx(u[ok].max())
    assert ok[bid]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), target=st.floats(0, 1))
def test_generated_bids_in_large_spaces_reach_the_target(seed: int, target: float) -> None:
    model = random_model(seed, 2, 6, 4)
    space = BidSpace(model, enumerate_limit=0)  # force per-issue search
    big = BidSpace(model)
    bid = space.at_least(0, target)
    assert space.own_ok[bid, 0]
    best = float(space.best_utility[0])
    assert space.utils[bid, 0] >= min(target, best) - 1e-9
    # same utilities as the enumerated space gives for that package
    ref = big.add(space.package(bid))
    assert np.allclose(big.utils[ref], space.utils[bid])


def test_every_named_strategy_runs() -> None:
    model = random_model(3, 2, 3, 3)
    for name in STRATEGIES.names():
        r = simulate(model, "alternating", [name, "conceder"], rounds=20, seed=1)
        _assert_respected(model, r.package)


def test_a_user_strategy_in_a_few_lines() -> None:
    class Halfway(Strategy):
        name: ClassVar[str] = "halfway"

        def target(self, t: float) -> float:
            return self.ctx.u_max if t < 0.5 else self.ctx.u_min

    model = random_model(5, 2, 3, 3, red_lines=False)
    r = simulate(model, "alternating", [Halfway(), Halfway()], rounds=11, seed=0)
    assert r.agreement and r.rounds >= 6  # nobody concedes before half time


def test_context_exposes_walkaway_and_best() -> None:
    model = random_model(9, 2, 2, 3)
    space = BidSpace(model)
    ctx = Context(space, 1, (0, 1), 10, np.random.default_rng(0))
    assert ctx.reservation == pytest.approx(model.reservation[1])
    assert ctx.u_max == pytest.approx(model.ideal()[1])
    assert ctx.opponents == (0,)
