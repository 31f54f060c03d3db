"""robust-plan under the posterior: importance-weighted SAA is optimal against brute force, the
SAA weights are the calibrate weights, and the command's JSON carries the posterior block."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from accord.calibrate import observations
from accord.calibrate.posterior import STREAM, Design, draw_weights, party_evidence, run_posterior
from accord.io import load_scenario
from accord.model import compile_scenario
from accord.uncertainty import compile_uncertainty
from accord.uncertainty.robust import SAA_STREAM, saa_milp, sample_tables
from accord.uncertainty.spec import fixed_reservation

from .helpers import REACTIONS


def _design():
    s = load_scenario(REACTIONS)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    plans = np.stack([m.encode(dict(p.choices)) for p in s.plans])
    ev = tuple(party_evidence(observations(s), pid, {p.id: k for k, p in enumerate(s.plans)},
                              {i: k for k, i in enumerate(m.issue_ids)}) for pid in m.party_ids)
    spec.warm(plans)
    return s, m, spec, Design(spec, plans, ev)


def test_draw_weights_are_the_posterior_weights() -> None:
    _, m, spec, design = _design()
    n = 5000
    posts = run_posterior(design, n, 3, [p for p in range(m.n_parties) if spec.is_random(p)])
    none = party_evidence([], "", {}, {})
    for p, post in posts.items():
        # Only party p's evidence: the joint weights are p's own, the same draws as calibrate.
        only = Design(spec, design.packages, tuple(design.evidence[q] if q == p else none
                                                   for q in range(m.n_parties)))
        w = draw_weights(only, 3, STREAM, 0, n)
        assert float(w.sum()) == pytest.approx(post.sum_w, rel=1e-12)
    joint = draw_weights(design, 3, STREAM, 0, n)
    assert np.all(joint >= 0) and np.all(joint <= 1)
    # Independent parties: the mean joint weight is near the product of the mean weights.
    assert joint.mean() == pytest.approx(np.prod([p.sum_w / n for p in posts.values()]),
                                         rel=0.1)


def test_weighted_saa_is_optimal_against_brute_force() -> None:
    _, m, spec, design = _design()
    n = 60
    tables, r = sample_tables(spec, n, seed=2, block=0)
    w = draw_weights(design, 2, SAA_STREAM, 0, n)
    rep = saa_milp(spec, tables, r, weights=w)
    allowed = ~m.forbidden_options().any(axis=0)
    fixed = fixed_reservation(spec)
    best = 0.0
    for x in itertools.product(*[range(k) for k in m.n_options]):
        xi = np.array(x)
        if not allowed[np.arange(m.n_issues), xi].all():
            continue
        ok = np.ones(n, dtype=bool)
        for p in range(m.n_parties):
            if spec.is_random(p):
                u = tables[:, p, np.arange(m.n_issues), xi].sum(axis=1)
                ok &= u >= r[:, p] - 1e-9
            else:
                ok &= bool(m.utilities(xi)[p] >= fixed[p] - 1e-9)
        best = max(best, float(w[ok].sum() / w.sum()))
    assert rep.objective == pytest.approx(best, abs=1e-6)


def test_robust_plan_posterior_json(cli) -> None:
    r = cli("robust-plan", REACTIONS, "--posterior", "--samples", "5000", "--saa-samples", "40",
            "--replications", "1", "--format", "json")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    post = d["posterior"]
    labels = {c["label"] for c in post["candidates"]}
    assert post["best"] in labels and {"draft-1", "draft-2", "counter"} <= labels
    best = next(c for c in post["candidates"] if c["label"] == post["best"])
    assert best["all_accept"] == max(c["all_accept"] for c in post["candidates"])
    assert set(post["effective_samples"]) == {"a", "b"}
