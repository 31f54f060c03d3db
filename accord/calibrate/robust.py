"""The package most likely to be accepted by all, given what the parties said.

Sample-average approximation (Kleywegt, Shapiro and Homem-de-Mello 2002) under the posterior:
the SAA samples are prior draws, so each gets its importance weight (Kahn and Marshall 1953;
the product over parties of the likelihood of each party's reactions, `posterior.draw_weights`)
and the MILP maximises the weighted share of samples in which all accept.

Steps:
1. `accord.uncertainty.robust.robust_plan` with `saa_weights`: weighted SAA replications, then
   its candidates (SAA packages, the Nash package, the plans).
2. Every candidate re-scored under the posterior (`posterior.run_posterior`, the same draws and
   weights as `accord calibrate`); P(all accept) is the product over parties.
3. The best by posterior P(all accept); the prior's scores stay alongside.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.calibrate.observations import complete_plans, consistency, observations
from accord.calibrate.posterior import (
    Design,
    draw_weights,
    party_evidence,
    run_posterior,
    wilson_ess,
)
from accord.model import CompiledModel, Scenario, compile_scenario
from accord.model.compiled import FloatArray
from accord.uncertainty.robust import SAA_STREAM, robust_plan
from accord.uncertainty.spec import compile_uncertainty, stated_accepts


def robust_plan_posterior(scenario: Scenario, *, samples: int, seed: int, saa_samples: int,
                          replications: int, time_limit: float | None,
                          model: CompiledModel | None = None, parties: list[str] | None = None,
                          executor: Any = None) -> dict[str, Any]:
    """`robust_plan` conditioned on the reactions: its JSON plus a `posterior` block."""
    model = model if model is not None else compile_scenario(scenario)
    if parties is not None:
        model = model.restrict(parties)
    spec = compile_uncertainty(scenario, model)
    obs = observations(scenario)
    plan_ids = [p.id for p in complete_plans(scenario)]
    plan_x = np.stack([model.encode(dict(p.choices)) for p in complete_plans(scenario)])
    issue_index = {iid: i for i, iid in enumerate(model.issue_ids)}
    plan_index = {pid: k for k, pid in enumerate(plan_ids)}
    evidence = tuple(party_evidence(obs, pid, plan_index, issue_index)
                     for pid in model.party_ids)
    base = Design(spec, plan_x, evidence)
    notes: list[str] = []
    fits = consistency(scenario, model, spec, obs)
    contradicted = sorted({f.observation.party for f in fits if f.observation.counted
                           and f.observation.confidence >= 1.0 and not f.fits})
    if contradicted:
        notes.append(f"{', '.join(contradicted)}: a confidence-1 reaction contradicts the "
                     "stated numbers (contradicted): no posterior P(all accept)")
    spec.warm(plan_x)

    def saa_weights(rep: int) -> FloatArray:
        w = draw_weights(base, seed, SAA_STREAM, rep, saa_samples)
        if float(w.sum()) <= 0:
            notes.append(f"replication {rep + 1}: no SAA sample fits the reactions; it is "
                         "unweighted")
            return np.ones(saa_samples)
        return w

    rp = robust_plan(scenario, samples=samples, seed=seed, saa_samples=saa_samples,
                     replications=replications, time_limit=time_limit, model=model,
                     executor=executor, saa_weights=saa_weights)
    out = rp.to_dict()
    cands = rp.evaluation.packages
    cand_x = np.stack([o.package for o in cands])
    design = Design(spec, np.vstack([plan_x, cand_x]), evidence)
    random = [p for p in range(model.n_parties) if spec.is_random(p)]
    posts = run_posterior(design, samples, seed, random, executor)
    point = stated_accepts(spec, cand_x)
    k0 = plan_x.shape[0]
    scored: list[dict[str, Any]] = []
    for j, o in enumerate(cands):
        acc: dict[str, float] = {}
        ci: dict[str, list[float]] = {}
        joint = 1.0
        for p, pid in enumerate(model.party_ids):
            post = posts.get(p)
            if pid in contradicted:
                q, lo_hi = float("nan"), [0.0, 1.0]
            elif post is None:
                q, lo_hi = float(point[j, p]), [float(point[j, p])] * 2
            else:
                q = float(post.post_accept[k0 + j]) if post.sum_w > 0 else float("nan")
                lo_hi = list(wilson_ess(q, post.ess))
            acc[pid] = round(q, 6)
            ci[pid] = [round(x, 6) for x in lo_hi]
            joint *= q
        scored.append({"label": o.label, "all_accept": None if joint != joint else
                       round(joint, 6), "accept": acc, "accept_ci95": ci,
                       "prior_all_accept": o.p_all})
    ranked = [c for c in scored if c["all_accept"] is not None]
    best = max(ranked, key=lambda c: (c["all_accept"], c["label"].startswith("saa")),
               default=None)
    out["posterior"] = {
        "best": None if best is None else best["label"],
        "all_accept": None if best is None else best["all_accept"],
        "candidates": scored,
        "effective_samples": {model.party_ids[p]: round(post.ess, 1)
                              for p, post in posts.items()},
        "method": "SAA with importance-weighted samples, candidates re-scored under the "
                  "posterior; P(all accept) is a product over parties",
        "notes": notes,
    }
    return out
