"""The posterior: exact importance-sampling identities, the prior matches `robustness`, Dask
matches local, and the contradicted and degenerate cases."""

from __future__ import annotations

import pytest

from accord.calibrate import NoStances, calibrate
from accord.io import load_scenario
from accord.model import compile_scenario
from accord.uncertainty import compile_uncertainty, monte_carlo

from .helpers import REACTIONS, one_party, scenario

# u(p) = 0.5 * 1 + 0.5 * 0 = 0.5 for party a; u(q) = 0.5 * 0.5 + 0.5 * 0.3 = 0.4.
PLANS = {"p": {"x": "hi", "y": "lo"}, "q": {"x": "mid", "y": "mid"}}
WALK = {"reservation": {"low": 0.3, "high": 0.7}}


def test_one_acceptance_reweights_exactly_by_the_likelihood_ratio() -> None:
    s = scenario(one_party(PLANS, [{"id": "s", "about": "p", "stance": "accepts"}],
                           uncertainty=WALK))
    n = 50_000
    res = calibrate(s, samples=n, seed=3)
    post = res.posteriors["a"]
    k = round(post.prior_accept[0] * n)  # draws that accept p
    assert 0.45 < k / n < 0.55  # P(r <= 0.5) = 0.5 under the prior
    # Weights: 1 where the draw accepts (fits), (1 - 0.9) / 0.9 where it does not.
    a = 0.1 / 0.9
    assert post.post_accept[0] == pytest.approx(k / (k + (n - k) * a), rel=1e-12)
    assert post.ess == pytest.approx((k + (n - k) * a) ** 2 / (k + (n - k) * a * a), rel=1e-9)
    # q is accepted exactly when p is accepted and r <= 0.4: its posterior is the weighted share.
    k_q = round(post.prior_accept[1] * n)
    assert post.post_accept[1] == pytest.approx(k_q / (k + (n - k) * a), rel=1e-12)
    d = res.to_dict()
    assert d["posterior"]["accept"]["p"]["a"] == pytest.approx(0.9 * 0.5 / 0.5, abs=0.01)
    lo, hi = d["posterior"]["accept_ci95"]["p"]["a"]
    assert lo < d["posterior"]["accept"]["p"]["a"] < hi
    lo_r, hi_r = d["intervals"]["a"]["reservation"]["posterior"]
    assert 0.3 <= lo_r < hi_r <= 0.7


def test_an_objection_lowers_acceptance_of_plans_with_that_option() -> None:
    unc = {"values": {"sd": 0.2}, **WALK}
    base = one_party(PLANS, [{"id": "s", "about": "p", "stance": "basis", "confidence": 0.6}],
                     uncertainty=unc)
    with_obj = one_party(PLANS, [{"id": "s", "about": "q", "stance": "basis", "confidence": 0.6},
                                 {"id": "o", "about": "p", "objects_to": ["x"],
                                  "stance": "basis", "confidence": 0.6}],
                         uncertainty=unc)
    # x = hi is worth 1 (the anchor), above half-way in every draw: the objection is unlikely
    # under every draw alike, so it changes nothing but the likelihood's scale.
    r0 = calibrate(scenario(base), samples=20_000, seed=1)
    r1 = calibrate(scenario(with_obj), samples=20_000, seed=1)
    assert r1.posteriors["a"].prior_accept[0] == r0.posteriors["a"].prior_accept[0]
    mid = one_party(PLANS, [{"id": "o", "about": "q", "stance": "basis", "confidence": 0.6,
                             "objects_to": ["y"]}], uncertainty=unc)
    r2 = calibrate(scenario(mid), samples=40_000, seed=1)
    post = r2.posteriors["a"]
    # y = mid (stated 0.3) is objected to: draws where it is worth more lose weight, so plan q
    # (which has y = mid) is accepted less often than under the stance alone.
    stance_only = one_party(PLANS, [{"id": "o", "about": "q", "stance": "basis",
                                     "confidence": 0.6}], uncertainty=unc)
    r3 = calibrate(scenario(stance_only), samples=40_000, seed=1)
    assert post.post_accept[1] < r3.posteriors["a"].post_accept[1]


def test_prior_is_the_robustness_prior() -> None:
    s = load_scenario(REACTIONS)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    n = 70_000
    res = calibrate(s, samples=n, seed=9, model=m, spec=spec)
    plans = [m.encode(dict(p.choices)) for p in s.plans]
    mc = monte_carlo(spec, plans, n, seed=9, labels=[p.id for p in s.plans])
    for k, plan in enumerate(s.plans):
        for pid, post in res.posteriors.items():
            assert round(post.prior_accept[k] * n) == mc.outcome(plan.id).accept[pid]


def test_dask_matches_local_exactly() -> None:
    pytest.importorskip("distributed")
    from accord.uncertainty.distributed import dask_executor

    s = load_scenario(REACTIONS)
    n = 3 * 65_536 + 11
    local = calibrate(s, samples=n, seed=5, suggest=2, budget=20).to_dict()
    with dask_executor(workers=2) as ex:
        remote = calibrate(s, samples=n, seed=5, suggest=2, budget=20, executor=ex).to_dict()
    assert remote == local


def test_confidence_one_contradiction_gets_no_posterior() -> None:
    s = scenario(one_party(PLANS, [{"id": "s", "about": "q", "stance": "accepts",
                                    "confidence": 1.0}], uncertainty=WALK))
    res = calibrate(s, samples=10_000, seed=0)
    d = res.to_dict()
    assert d["status"]["a"] == "contradicted"
    assert "a" not in d["effective_samples"] and "a" not in d["posterior"]["accept"]["q"]
    assert d["posterior"]["agreement"]["q"] is None
    assert d["prior"]["accept"]["q"]["a"] > 0  # the prior is still reported
    assert any("contradict" in n for n in d["notes"])


def test_no_draw_reproducing_a_sure_observation_is_contradicted() -> None:
    # The stated walk-away 0.45 accepts p (0.5); every draw from [0.6, 0.9] rejects it.
    s = scenario(one_party(PLANS, [{"id": "s", "about": "p", "stance": "accepts",
                                    "confidence": 1.0}], reservation=0.45,
                           uncertainty={"reservation": {"low": 0.6, "high": 0.9}}))
    d = calibrate(s, samples=10_000, seed=0).to_dict()
    assert d["observations"][0]["fits"] is True
    assert d["status"]["a"] == "contradicted"
    assert any("no prior draw" in n for n in d["notes"])


def test_no_uncertainty_skips_the_posterior_and_says_why() -> None:
    s = scenario(one_party(PLANS, [{"id": "s", "about": "p", "stance": "rejects"}]))
    d = calibrate(s, samples=1000, seed=0).to_dict()
    assert d["status"] == {"a": "point"} and d["effective_samples"] == {}
    assert d["prior"]["accept"]["p"]["a"] == d["posterior"]["accept"]["p"]["a"] == 1.0
    assert any("posterior skipped" in n for n in d["notes"])
    assert d["revision"]["a"]["feasible"] is True and d["revision"]["a"]["changes"]


def test_no_stance_raises() -> None:
    data = one_party(PLANS, [])
    data["statements"] = [{"id": "s", "by": "a", "kind": "reaction", "text": "t", "about": "p"}]
    with pytest.raises(NoStances):
        calibrate(scenario(data), samples=100)


def test_low_effective_sample_size_warns() -> None:
    # P(r <= 0.302) = 0.005 under the prior; a near-certain acceptance leaves few draws.
    plans = {"p": {"x": "mid", "y": "lo"}}
    values = {"x": {"lo": 0, "mid": 0.604, "hi": 1}, "y": {"lo": 0, "mid": 0.3, "hi": 1}}
    s = scenario(one_party(plans, [{"id": "s", "about": "p", "stance": "accepts",
                                    "confidence": 0.999}], uncertainty=WALK, values=values))
    d = calibrate(s, samples=20_000, seed=0).to_dict()
    assert d["effective_samples"]["a"] < 200
    assert any("below 1%" in w and "--samples" in w for w in d["warnings"])
