"""Uncertain red lines in calibration: the same draws as `robustness`, the posterior probability
that a red line is real against the closed form, p = 1 unchanged, Dask equal to local, and the
revision's contradicted versus lowered red lines."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import yaml

from accord.calibrate import calibrate
from accord.calibrate.posterior import wilson_ess
from accord.model import compile_scenario
from accord.uncertainty import compile_uncertainty, monte_carlo
from accord.uncertainty.montecarlo import Z95, wilson

from .helpers import REACTIONS, one_party, scenario

# Party a: u(p) = 0.5 * 0 + 0.5 * 1 = 0.5 with x = lo, which its red line (probability 0.6)
# forbids; u(q) = 0.4 crosses nothing.
PLANS = {"p": {"x": "lo", "y": "hi"}, "q": {"x": "mid", "y": "mid"}}
PROB = 0.6


def _red(probability: float = PROB, **more: Any) -> list[dict[str, Any]]:
    line = {"id": "a-x", "issue": "x", "forbid": ["lo"], **more}
    if probability < 1:
        line["probability"] = probability
    return [line]


def _accepts_p(confidence: float = 0.9, **kw: Any) -> dict[str, Any]:
    return one_party(PLANS, [{"id": "s", "about": "p", "stance": "accepts",
                              "confidence": confidence}], reservation=0.45,
                     red_lines=kw.pop("red_lines", _red()), **kw)


def _through(f: Any, lo: float, hi: float) -> tuple[float, float]:
    a, b = f(lo), f(hi)
    return min(a, b), max(a, b)


def test_only_a_red_line_uncertain_is_a_prior_and_matches_the_closed_form() -> None:
    # Walk-away fixed at 0.45 < u(p): a accepts p whenever the red line is not real, so with
    # c = 0.9 the posterior is p (1 - c) / (p (1 - c) + (1 - p) c).
    c, n = 0.9, 100_000
    res = calibrate(scenario(_accepts_p(c)), samples=n, seed=4)
    assert res.status["a"] == "posterior"
    d = res.to_dict()
    rl = d["red_lines"]["a-x"]
    prior, post = rl["prior"], rl["posterior"]
    assert post < prior
    # Exact importance-sampling identity: the k real draws weigh (1 - c) / c, the others 1.
    k = round(res.posteriors["a"].red_lines[0][0] * n)
    ratio = (1 - c) / c
    assert res.posteriors["a"].red_lines[0][1] == pytest.approx(
        k * ratio / (k * ratio + n - k), rel=1e-12)
    # The prior share is the Monte Carlo's Bernoulli(0.6); the closed form lies in the image
    # of its 95% interval through the (monotone) posterior map.
    lo, hi = wilson(k, n)
    assert lo < PROB < hi

    def closed(p: float) -> float:
        return p * (1 - c) / (p * (1 - c) + (1 - p) * c)

    a, b = _through(closed, lo, hi)
    assert a <= closed(PROB) <= b
    assert a <= post <= b
    # Acceptance of p is the share of draws in which the red line is not real.
    assert d["prior"]["accept"]["p"]["a"] == pytest.approx(1 - prior, abs=1e-6)
    assert d["posterior"]["accept"]["p"]["a"] == pytest.approx(1 - post, abs=1e-6)


def test_with_an_uncertain_walk_away_the_closed_form_weighs_by_accepts_otherwise() -> None:
    # r ~ U[0.3, 0.7]: without the red line a accepts p (u = 0.5) with probability 1/2, so
    # posterior = p (1 - c) / (p (1 - c) + (1 - p) (a c + (1 - a) (1 - c))), a = 1/2.
    c, n, a = 0.9, 100_000, 0.5
    data = _accepts_p(c, uncertainty={"reservation": {"low": 0.3, "high": 0.7}})
    res = calibrate(scenario(data), samples=n, seed=8)
    prior, post = res.posteriors["a"].red_lines[0]
    expected = PROB * (1 - c) / (PROB * (1 - c) + (1 - PROB) * (a * c + (1 - a) * (1 - c)))
    lo, hi = wilson_ess(post, res.posteriors["a"].ess, z=1.5 * Z95)
    assert lo <= expected <= hi
    assert post < prior


def test_a_sure_acceptance_makes_the_red_line_impossible_not_a_contradiction() -> None:
    res = calibrate(scenario(_accepts_p(1.0)), samples=20_000, seed=0)
    d = res.to_dict()
    assert d["status"]["a"] == "posterior"
    assert d["red_lines"]["a-x"]["posterior"] == 0.0
    assert d["posterior"]["accept"]["p"]["a"] == 1.0
    # With probability 1 the same statement contradicts the stated red line.
    sure = calibrate(scenario(_accepts_p(1.0, red_lines=_red(1.0),
                                         uncertainty={"reservation": {"low": 0.3,
                                                                      "high": 0.7}})),
                     samples=20_000, seed=0).to_dict()
    assert sure["status"]["a"] == "contradicted" and sure["red_lines"] == {}


def test_an_unrelated_red_line_keeps_its_prior_and_a_rejection_raises_it() -> None:
    rej = one_party(PLANS, [{"id": "s", "about": "p", "stance": "rejects"}], reservation=0.45,
                    red_lines=_red())
    d = calibrate(scenario(rej), samples=50_000, seed=2).to_dict()
    assert d["red_lines"]["a-x"]["posterior"] > d["red_lines"]["a-x"]["prior"]
    other = one_party(PLANS, [{"id": "s", "about": "q", "stance": "accepts"}],
                      reservation=0.3, red_lines=_red())
    d2 = calibrate(scenario(other), samples=50_000, seed=2).to_dict()
    # q crosses nothing and a accepts it in every draw: every weight is 1.
    assert d2["red_lines"]["a-x"]["posterior"] == d2["red_lines"]["a-x"]["prior"]


def _rich() -> dict[str, Any]:
    """The reactions scenario with uncertain red lines for a, b (with unless) and c (whose
    only uncertainty is its red line)."""
    data = yaml.safe_load(REACTIONS.read_text())
    prefs = data["preferences"]
    prefs["a"]["red_lines"] = [{"id": "a-land", "issue": "land", "forbid": ["cede"],
                                "probability": 0.7},
                               {"id": "a-guard", "issue": "guard", "forbid": ["weak"],
                                "probability": 0.5}]
    prefs["b"]["red_lines"] = [{"id": "b-army", "issue": "army", "forbid": ["large"],
                                "unless": {"money": ["high"]}, "probability": 0.4}]
    prefs["c"]["red_lines"] = [{"id": "c-army", "issue": "army", "forbid": ["large"],
                                "probability": 0.5}]
    return data


def test_prior_is_the_robustness_prior_with_uncertain_red_lines() -> None:
    s = scenario(_rich())
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    assert not spec.is_random(m.party_index("c"))
    n = 70_000
    res = calibrate(s, samples=n, seed=9, model=m, spec=spec)
    assert set(res.posteriors) == {"a", "b", "c"}
    plans = [m.encode(dict(p.choices)) for p in s.plans]
    mc = monte_carlo(spec, plans, n, seed=9, labels=[p.id for p in s.plans])
    for k, plan in enumerate(s.plans):
        out = mc.outcome(plan.id)
        for pid, post in res.posteriors.items():
            assert round(post.prior_accept[k] * n) == out.accept[pid], (plan.id, pid)
        for rid, e in res.to_dict()["red_lines"].items():
            assert round(e["prior"] * n) == out.uncertain_red_lines[rid]["real"]
    d = res.to_dict()
    assert set(d["red_lines"]) == {"a-land", "a-guard", "b-army", "c-army"}
    # c accepted the counter-proposal, which crosses its red line: less likely now.
    assert d["red_lines"]["c-army"]["posterior"] < d["red_lines"]["c-army"]["prior"]
    # a rejected draft-1 (guard weak): its guarantee red line is more likely.
    assert d["red_lines"]["a-guard"]["posterior"] > d["red_lines"]["a-guard"]["prior"]
    lo, hi = d["red_lines"]["c-army"]["posterior_ci95"]
    assert lo <= d["red_lines"]["c-army"]["posterior"] <= hi


def test_probability_one_everywhere_gives_the_numbers_without_probabilities() -> None:
    data = _rich()
    for pref in data["preferences"].values():
        for line in pref.get("red_lines", []):
            line.pop("probability")
    plain = calibrate(scenario(data), samples=30_000, seed=3, suggest=2, budget=10).to_dict()
    for pref in data["preferences"].values():
        for line in pref.get("red_lines", []):
            line["probability"] = 1.0
    ones = calibrate(scenario(data), samples=30_000, seed=3, suggest=2, budget=10).to_dict()
    assert ones == plain and plain["red_lines"] == {}
    # And the point parties' prior is the stated verdict: c has no draws at all.
    assert "c" not in plain["effective_samples"] and plain["status"]["c"] == "point"


def test_probability_one_red_lines_leave_the_original_scenario_unchanged() -> None:
    data = yaml.safe_load(REACTIONS.read_text())
    before = calibrate(scenario(data), samples=30_000, seed=6).to_dict()
    for line in data["preferences"]["a"]["red_lines"]:
        line["probability"] = 1.0
    assert calibrate(scenario(data), samples=30_000, seed=6).to_dict() == before


def test_dask_matches_local_with_uncertain_red_lines() -> None:
    pytest.importorskip("distributed")
    from accord.uncertainty.distributed import dask_executor

    s = scenario(_rich())
    n = 3 * 65_536 + 11
    local = calibrate(s, samples=n, seed=5, suggest=2, budget=20).to_dict()
    with dask_executor(workers=2) as ex:
        remote = calibrate(s, samples=n, seed=5, suggest=2, budget=20, executor=ex).to_dict()
    assert remote == local and local["red_lines"]


def test_objection_to_an_option_an_uncertain_red_line_forbids_counts_where_it_is_real() -> None:
    # a rejects q (x = mid, worth 0.8, above half-way 0.5) and objects to x there; its red line
    # on x = mid has probability 0.5. Real: both fit (weight 1). Not real: u(q) = 0.55 >= 0.45
    # accepts, and x = mid is a good option, so both miss: weight ((1 - c) / c)^2.
    c, n = 0.8, 40_000
    data = one_party(PLANS, [{"id": "o", "about": "q", "stance": "rejects", "confidence": c,
                              "objects_to": ["x"]}],
                     reservation=0.45, red_lines=[{"id": "a-mid", "issue": "x",
                                                   "forbid": ["mid"], "probability": 0.5}],
                     values={"x": {"lo": 0, "mid": 0.8, "hi": 1},
                             "y": {"lo": 0, "mid": 0.3, "hi": 1}})
    res = calibrate(scenario(data), samples=n, seed=1)
    prior, post = res.posteriors["a"].red_lines[0]
    k = round(prior * n)
    ratio = ((1 - c) / c) ** 2
    assert post == pytest.approx(k / (k + (n - k) * ratio), rel=1e-9)
    assert math.isfinite(post) and post > prior


def test_text_and_json_say_how_the_red_line_moved(cli, tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_accepts_p()))
    j = cli("calibrate", path, "--samples", "20000", "--seed", "1", "--format", "json")
    assert j.code == 0, j.stderr
    d = json.loads(j.stdout)
    e = d["red_lines"]["a-x"]
    assert e["owner"] == "a" and e["probability"] == PROB
    assert abs(e["prior"] - PROB) < 0.01 and e["posterior"] < e["prior"]
    assert d["revision"]["a"]["lowered_red_lines"] == {"a-x": {"probability": PROB,
                                                                "plans": ["p"]}}
    words = (f"the reactions make red line a-x (a) less likely: {e['prior']:.3f} -> "
             f"{e['posterior']:.3f}")
    r = cli("calibrate", path, "--samples", "20000", "--seed", "1")
    assert r.code == 0, r.stderr
    assert words in r.stdout
    assert "red line a-x (probability 0.60): the evidence lowers that probability" in r.stdout
    assert d["observations"][0]["why"].endswith(
        "crosses its red line on x (red line a-x, probability 0.60)")
    md = cli("calibrate", path, "--samples", "20000", "--seed", "1", "--format", "markdown")
    assert f"- {words}" in md.stdout


def test_saa_weights_use_the_red_line_draws_of_the_saa_samples() -> None:
    # robust-plan --posterior weighs SAA sample s by the reactions; its red-line draws must be
    # the ones the SAA MILP uses (`sample_red_lines` on SAA_STREAM).
    from accord.calibrate.observations import observations
    from accord.calibrate.posterior import Design, draw_weights, party_evidence
    from accord.uncertainty.montecarlo import sample_red_lines
    from accord.uncertainty.robust import SAA_STREAM

    s = scenario(_accepts_p(0.9))
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    plans = [m.encode(dict(p.choices)) for p in s.plans]
    design = Design(spec, np.stack(plans), (party_evidence(
        observations(s), "a", {p.id: k for k, p in enumerate(s.plans)},
        {i: k for k, i in enumerate(m.issue_ids)}),))
    n = 5000
    for rep in (0, 3):
        w = draw_weights(design, 11, SAA_STREAM, rep, n)
        real = sample_red_lines(spec, n, 11, stream=SAA_STREAM, block=rep)[0]
        assert 0 < real.sum() < n
        assert np.all(w[~real] == 1.0)
        assert np.allclose(w[real], 0.1 / 0.9, rtol=1e-12)
