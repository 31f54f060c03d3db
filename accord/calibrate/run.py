"""`calibrate`: consistency, smallest revision, posterior and suggestions in one call.

Glue only; each method lives in its own module (observations, revision, posterior, suggest).
A party is left out of the posterior when it has no uncertainty (point verdicts only; an
uncertain red line counts as uncertainty) or is "contradicted": a confidence-1 observation the
point model does not reproduce, or no prior draw that reproduces its confidence-1 observations.
An acceptance whose only crossings are uncertain red lines is left to the posterior (the draws
in which those red lines are not real may reproduce it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.calibrate.observations import (
    Fit,
    Observation,
    complete_plans,
    consistency,
    observations,
    only_uncertain_red_lines,
)
from accord.calibrate.posterior import (
    Design,
    PartyPosterior,
    has_prior,
    hist_quantile,
    party_evidence,
    run_posterior,
    weigh_draws,
    wilson_ess,
)
from accord.calibrate.revision import Revision, smallest_revision
from accord.calibrate.suggest import HYPOTHETICAL_CONFIDENCE, candidates, information_gain, rank
from accord.model import CompiledModel, Scenario, compile_scenario
from accord.uncertainty.montecarlo import wilson
from accord.uncertainty.spec import UncertaintySpec, compile_uncertainty, stated_accepts

ESS_WARN = 0.01
"""Warn when a party's effective sample size is below this share of the draws."""
DEFAULT_BUDGET = 200


class NoStances(ValueError):
    """No statement has a stance: there is nothing to calibrate on."""


@dataclass
class Calibration:
    scenario: str
    seed: int
    samples: int
    model: CompiledModel
    plans: list[str]
    fits: list[Fit]
    revisions: dict[str, Revision]
    stated: dict[str, dict[str, bool]]  # plan -> party -> point verdict
    status: dict[str, str]  # party -> "posterior" | "point" | "contradicted"
    posteriors: dict[str, PartyPosterior] = field(default_factory=dict)
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    search: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    # --- per party and plan ---------------------------------------------------------------------
    def accept(self, which: str) -> tuple[dict[str, dict[str, float]],
                                          dict[str, dict[str, list[float]]], dict[str, float]]:
        """(P(accept), 95% interval, P(all accept)) per plan under the prior or the posterior."""
        acc: dict[str, dict[str, float]] = {}
        ci: dict[str, dict[str, list[float]]] = {}
        agree: dict[str, float] = {}
        for k, plan in enumerate(self.plans):
            acc[plan], ci[plan] = {}, {}
            joint = 1.0
            for pid in self.model.party_ids:
                post = self.posteriors.get(pid)
                status = self.status[pid]
                if post is None or (which == "posterior" and status != "posterior"):
                    if which == "posterior" and status == "contradicted":
                        continue
                    q = 1.0 if self.stated[plan][pid] else 0.0
                    lo_hi = [q, q]
                elif which == "prior":
                    q = float(post.prior_accept[k])
                    lo_hi = list(wilson(round(q * post.n), post.n))
                else:
                    q = float(post.post_accept[k])
                    lo_hi = list(wilson_ess(q, post.ess))
                acc[plan][pid] = round(q, 6)
                ci[plan][pid] = [round(x, 6) for x in lo_hi]
                joint *= q
            if which == "posterior" and any(s == "contradicted" for s in self.status.values()):
                agree[plan] = float("nan")
            else:
                agree[plan] = round(joint, 6)
        return acc, ci, agree

    def intervals(self) -> dict[str, dict[str, dict[str, list[float]]]]:
        """Per party: 90% intervals (5%, 95%) of each random weight and the walk-away."""
        out: dict[str, dict[str, dict[str, list[float]]]] = {}
        m = self.model
        for pid, post in self.posteriors.items():
            rows = {}
            for r in range(m.n_issues + 1):
                if post.prior_hist[r].sum() == 0:
                    continue
                name = "reservation" if r == m.n_issues else f"weights.{m.issue_ids[r]}"
                entry = {"prior": [round(hist_quantile(post.prior_hist[r], q), 4)
                                   for q in (0.05, 0.95)]}
                if self.status[pid] == "posterior":
                    entry["posterior"] = [round(hist_quantile(post.post_hist[r], q), 4)
                                          for q in (0.05, 0.95)]
                rows[name] = entry
            out[pid] = rows
        return out

    def red_lines(self) -> dict[str, dict[str, Any]]:
        """Per uncertain red line of a party with draws: the prior and posterior probability
        that it is real (the posterior None when its owner is contradicted)."""
        out: dict[str, dict[str, Any]] = {}
        rl = self.model.red_lines
        for pid, post in self.posteriors.items():
            for r, (prior, q) in post.red_lines.items():
                use = self.status[pid] == "posterior"
                entry: dict[str, Any] = {
                    "owner": pid, "probability": float(rl.probability[r]),
                    "prior": round(prior, 6), "posterior": round(q, 6) if use else None}
                if use:
                    entry["posterior_ci95"] = [round(x, 6) for x in wilson_ess(q, post.ess)]
                out[rl.ids[r]] = entry
        return out

    def plan_view(self, plan: str) -> dict[str, Any]:
        """One plan's acceptance under the posterior, shaped like `accord robustness` JSON,
        with the prior alongside (for `robustness --posterior`)."""
        pa, pci, pag = self.accept("prior")
        qa, qci, qag = self.accept("posterior")
        agree = qag[plan]
        return {
            "scenario": self.scenario, "samples": self.samples, "seed": self.seed,
            "label": plan, "posterior": True,
            "accept": qa[plan], "accept_ci95": qci[plan],
            "all_accept": None if agree != agree else agree,
            "status": self.status,
            "effective_samples": {pid: round(p.ess, 1) for pid, p in self.posteriors.items()
                                  if self.status[pid] == "posterior"},
            "prior": {"accept": pa[plan], "accept_ci95": pci[plan], "all_accept": pag[plan]},
            **({"red_lines": rl} if (rl := self.red_lines()) else {}),
            "notes": self.notes, "warnings": self.warnings,
        }

    def to_dict(self) -> dict[str, Any]:
        pa, pci, pag = self.accept("prior")
        qa, qci, qag = self.accept("posterior")
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "samples": self.samples,
            "effective_samples": {pid: round(p.ess, 1) for pid, p in self.posteriors.items()
                                  if self.status[pid] == "posterior"},
            "status": self.status,
            "observations": [f.to_dict() for f in self.fits],
            "revision": {pid: r.to_dict() for pid, r in self.revisions.items()},
            "prior": {"accept": pa, "accept_ci95": pci, "agreement": pag},
            "posterior": {"accept": qa, "accept_ci95": qci,
                          "agreement": {k: (None if v != v else v) for k, v in qag.items()}},
            "intervals": self.intervals(),
            "red_lines": self.red_lines(),
            "suggest": self.suggestions,
            "search": self.search,
            "notes": self.notes,
            "warnings": self.warnings,
        }


RED_LINE_SAME = 0.005
"""A red line whose posterior is within this of its prior is "about as likely"."""


def red_line_shift(prior: float, posterior: float) -> str:
    """How the reactions moved a red line's probability, in words shared by every output."""
    if abs(posterior - prior) < RED_LINE_SAME:
        return "about as likely"
    return "less likely" if posterior < prior else "more likely"


def calibrate(scenario: Scenario, *, samples: int = 100_000, seed: int = 0,
              executor: Any = None, suggest: int = 0, budget: int = DEFAULT_BUDGET,
              model: CompiledModel | None = None, spec: UncertaintySpec | None = None,
              extra_packages: np.ndarray | None = None) -> Calibration:
    """Everything `accord calibrate` reports. Raises NoStances when no statement has a stance.

    `extra_packages` (K, I): further packages to score under the prior and the posterior,
    after the plans (the benchmark's held-out plans).
    """
    model = model if model is not None else compile_scenario(scenario)
    spec = spec if spec is not None else compile_uncertainty(scenario, model)
    obs = observations(scenario)
    if not any(o.kind == "stance" for o in obs):
        raise NoStances("no statement has a stance on a plan")
    fits = consistency(scenario, model, spec, obs)
    revisions = {pid: smallest_revision(scenario, model, spec, pid, obs)
                 for pid in model.party_ids if any(o.party == pid for o in obs)}
    plan_ids = [p.id for p in complete_plans(scenario)]
    plan_x = np.stack([model.encode(dict(p.choices)) for p in complete_plans(scenario)])
    labels = list(plan_ids)
    packages = plan_x
    if extra_packages is not None and len(extra_packages):
        extra = np.asarray(extra_packages, dtype=np.int64)
        labels += [f"package-{k}" for k in range(extra.shape[0])]
        packages = np.vstack([packages, extra])
    n_scored = packages.shape[0]
    cand_labels: list[str] = []
    if suggest > 0:
        cand, cand_labels = candidates(model, plan_x, budget, seed)
        packages = np.vstack([packages, cand])
    point = stated_accepts(spec, packages)
    status: dict[str, str] = {}
    for p, pid in enumerate(model.party_ids):
        hard_miss = [f for f in fits if f.observation.party == pid and f.observation.counted
                     and f.observation.confidence >= 1.0 and not f.fits
                     and not only_uncertain_red_lines(scenario, model, spec, f.observation)]
        if hard_miss:
            status[pid] = "contradicted"
        elif not has_prior(spec, p):
            status[pid] = "point"
        else:
            status[pid] = "posterior"
    result = Calibration(scenario.scenario, seed, samples, model, labels, fits, revisions,
                         {lab: {pid: bool(point[k, p]) for p, pid in enumerate(model.party_ids)}
                          for k, lab in enumerate(labels)}, status)
    random_parties = [p for p in range(model.n_parties) if has_prior(spec, p)]
    if not random_parties:
        result.notes.append("posterior skipped: no party has an uncertainty block, so there is "
                            "no prior to update; the verdicts are the stated ones")
    issue_index = {iid: i for i, iid in enumerate(model.issue_ids)}
    plan_index = {pid: k for k, pid in enumerate(plan_ids)}
    design = Design(spec, packages, tuple(party_evidence(obs, pid, plan_index, issue_index)
                                          for pid in model.party_ids))
    posts = run_posterior(design, samples, seed, random_parties, executor) \
        if random_parties else {}
    for p, post in posts.items():
        pid = model.party_ids[p]
        result.posteriors[pid] = post
        if status[pid] == "posterior" and post.sum_w <= 0:
            status[pid] = "contradicted"
            result.notes.append(f"{pid}: no prior draw reproduces its confidence-1 "
                                "observations; it is reported as contradicted")
        if status[pid] == "posterior" and post.ess < ESS_WARN * post.n:
            result.warnings.append(
                f"{pid}: effective sample size {post.ess:,.1f} is below 1% of the "
                f"{post.n:,} draws; the posterior is rough; raise --samples")
    for pid, st in status.items():
        if st == "contradicted" and not any("no prior draw" in n and n.startswith(pid)
                                            for n in result.notes):
            result.notes.append(f"{pid}: a confidence-1 observation contradicts the stated "
                                "numbers; it is reported as contradicted and gets no posterior")
        if st == "point":
            result.notes.append(f"{pid}: no uncertainty block; point verdicts only")
    if suggest > 0:
        _suggest(result, packages[n_scored:], cand_labels, plan_ids, n_scored, suggest, budget,
                 point[n_scored:])
    return result


def posterior_weigher(scenario: Scenario, model: CompiledModel,
                      spec: UncertaintySpec) -> Callable[[int, Any, int], np.ndarray]:
    """weigh(party, draw, n): importance weights of any draws given the reactions, for
    `sensitivity --posterior`. Raises NoStances when no statement has a stance."""
    obs = observations(scenario)
    if not any(o.kind == "stance" for o in obs):
        raise NoStances("no statement has a stance on a plan")
    plan_ids = [p.id for p in complete_plans(scenario)]
    plan_x = np.stack([model.encode(dict(p.choices)) for p in complete_plans(scenario)])
    issue_index = {iid: i for i, iid in enumerate(model.issue_ids)}
    design = Design(spec, plan_x, tuple(
        party_evidence(obs, pid, {k: j for j, k in enumerate(plan_ids)}, issue_index)
        for pid in model.party_ids))
    spec.warm(plan_x)

    def weigh(p: int, draw: Any, n: int) -> np.ndarray:
        if design.evidence[p].empty:
            return np.ones(n)
        return weigh_draws(design, p, draw, n)[2]

    return weigh


def _suggest(result: Calibration, cand: np.ndarray, labels: list[str], plan_ids: list[str],
             offset: int, k: int, budget: int, point: np.ndarray) -> None:
    m = result.model
    q = np.zeros((cand.shape[0], m.n_parties))
    for p, pid in enumerate(m.party_ids):
        post = result.posteriors.get(pid)
        if post is not None and result.status[pid] == "posterior":
            q[:, p] = post.post_accept[offset:]
        else:
            q[:, p] = point[:, p]  # known verdicts (or no posterior): nothing to learn
    gains = information_gain(q).sum(axis=1)
    for j in rank(gains, k):
        label = labels[j]
        kind, _, idx = label.partition(":")
        if kind == "plan":
            label = f"plan {plan_ids[int(idx)]}"
        elif kind == "solution":
            label = f"{idx} solution"
        else:
            label = f"search #{idx}"
        result.suggestions.append({
            "source": label, "choices": m.decode(cand[j]),
            "information_gain": round(float(gains[j]), 6),
            "accept": {pid: round(float(q[j, p]), 6) for p, pid in enumerate(m.party_ids)}})
    result.search = {"heuristic": True, "candidates": int(cand.shape[0]), "random_budget": budget,
                     "hypothetical_confidence": HYPOTHETICAL_CONFIDENCE,
                     "note": "expected information gain of one reaction of confidence 0.9, "
                             "summed over parties; myopic, a heuristic"}


def counted(fits: list[Fit]) -> list[Observation]:
    return [f.observation for f in fits if f.observation.counted]
