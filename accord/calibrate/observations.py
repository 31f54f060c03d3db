"""What the parties said, as observations of their own verdicts, and whether the point model fits.

The observation model is a noisy binary channel (the likelihood of Bayesian updating, e.g.
Bernardo and Smith 1994, ch. 4): a statement with stance s and confidence c about plan x has
likelihood c when the model's verdict on x (the party's own: all its red lines and its
walk-away) agrees with s, and 1 - c when it does not. `objects_to: [i]` observes that the plan's
option on issue i is not among the party's good ones there (it crosses a red line, or is worth
at most half-way from the party's worst to its best value on i).

Steps:
1. Expand each statement with a stance or objections into one observation per scored party it
   names (a joint statement counts once for each).
2. Count only the latest statement per (party, plan): one that another `supersedes`, or an
   earlier one of the same pair, is listed but not counted.
3. For each observation, say whether the stated numbers reproduce it and why (red line, margin).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from accord.evaluate.plan import completions
from accord.model import CompiledModel, Scenario
from accord.uncertainty.spec import UncertaintySpec, fixed_reservation

DEFAULT_CONFIDENCE = 0.9
BASIS_CONFIDENCE = 0.7
EPSILON = 0.005
"""In a revision, a rejection with no red line crossed needs utility <= walk-away - EPSILON."""

Kind = Literal["stance", "objects_to"]


@dataclass(frozen=True)
class Observation:
    """One party's observed reaction to one plan (a stance, or an objection to one issue)."""

    statement: str
    party: str
    plan: str
    kind: Kind
    stance: str  # accepts | rejects | basis, or "objects_to"
    confidence: float
    counted: bool
    issue: str | None = None
    not_counted: str = ""

    @property
    def says_accepts(self) -> bool:
        """Whether the observation is evidence of acceptance (accepts, basis)."""
        return self.stance in ("accepts", "basis")


@dataclass(frozen=True)
class Fit:
    """Whether the stated point numbers reproduce one observation, and why."""

    observation: Observation
    fits: bool
    why: str
    verdict: bool | None = None  # the point model's verdict (stance observations)
    margin: float | None = None  # utility - walk-away (stance) or half-way - value (objection)
    red_lines: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        o = self.observation
        out: dict[str, Any] = {
            "statement": o.statement, "party": o.party, "plan": o.plan, "stance": o.stance,
            "confidence": o.confidence, "counted": o.counted, "fits": self.fits, "why": self.why,
        }
        if o.issue is not None:
            out["issue"] = o.issue
        if not o.counted:
            out["not_counted"] = o.not_counted
        return out


def default_confidence(stance: str | None) -> float:
    return BASIS_CONFIDENCE if stance == "basis" else DEFAULT_CONFIDENCE


def complete_plans(scenario: Scenario) -> list[Any]:
    """The plans that set every issue: calibration compares a party's verdict on a whole text,
    so a plan with open (bracketed) issues is listed but neither scored nor counted."""
    return [p for p in scenario.plans if not p.open]


def observations(scenario: Scenario) -> list[Observation]:
    """Every observation in the statements, counted or not, in file order."""
    open_plans = {p.id: p.open for p in scenario.plans if p.open}
    scored = set(scenario.scored_party_ids)
    evidence = [(k, st) for k, st in enumerate(scenario.statements)
                if st.about is not None and (st.stance is not None or st.objects_to)]
    superseded = {st.supersedes: st.id for _, st in evidence if st.supersedes}
    latest: dict[tuple[str, str], tuple[tuple[dt.date, int], str]] = {}
    for k, st in evidence:
        if st.id in superseded:
            continue
        key = (st.date or dt.date.min, k)
        for pid in st.by_parties:
            pair = (pid, str(st.about))
            if pair not in latest or latest[pair][0] < key:
                latest[pair] = (key, st.id)
    out: list[Observation] = []
    for _, st in evidence:
        conf = st.confidence if st.confidence is not None else default_confidence(st.stance)
        for pid in st.by_parties:
            if pid not in scored:
                continue
            plan = str(st.about)
            why = ""
            if plan in open_plans:
                why = (f"the plan leaves {', '.join(open_plans[plan])} open; calibration "
                       "compares verdicts on complete texts")
            elif st.id in superseded:
                why = f"superseded by {superseded[st.id]}"
            elif latest[(pid, plan)][1] != st.id:
                why = f"a later statement ({latest[(pid, plan)][1]}) about the same plan counts"
            counted = not why
            if st.stance is not None:
                out.append(Observation(st.id, pid, plan, "stance", st.stance, conf, counted,
                                       not_counted=why))
            obj_conf = st.confidence if st.confidence is not None else DEFAULT_CONFIDENCE
            for iid in st.objects_to:
                out.append(Observation(st.id, pid, plan, "objects_to", "objects_to", obj_conf,
                                       counted, issue=iid, not_counted=why))
    return out


def halfway(values: np.ndarray) -> float:
    """Half-way from the worst to the best value on an issue (the 'good option' threshold)."""
    return 0.5 * (float(values.min()) + float(values.max()))


def _with_probability(model: CompiledModel, p: int, x: np.ndarray) -> list[str]:
    """The issues of party p's red lines that plan x crosses, each red line of probability < 1
    marked with it (e.g. 'army (red line b-army, probability 0.40)')."""
    rl = model.red_lines
    pid = model.party_ids[p]
    out: dict[str, list[str]] = {}
    for r in np.flatnonzero(model.crossed(x[None])[0]):
        if rl.owner[r] != pid:
            continue
        issue = model.issue_ids[int(rl.issue[r])]
        out.setdefault(issue, [])
        if rl.probability[r] < 1.0:
            out[issue].append(f"red line {rl.ids[r]}, probability {rl.probability[r]:.2f}")
    return [i + (f" ({'; '.join(v)})" if v else "") for i, v in out.items()]


def consistency(scenario: Scenario, model: CompiledModel, spec: UncertaintySpec,
                obs: list[Observation]) -> list[Fit]:
    """Whether the stated numbers reproduce each observation, with the reason."""
    r0 = fixed_reservation(spec)
    out: list[Fit] = []
    for o in obs:
        p = model.party_index(o.party)
        plan = scenario.plan(o.plan)
        if plan.open:
            out.append(_open_fit(model, plan.choices, plan.open, o, p, float(r0[p])))
            continue
        x = model.encode(dict(plan.choices))
        crossed_at = model.violations(x[None])[0, p]  # (I,), honours `unless`
        crossed = tuple(model.issue_ids[i] for i in np.flatnonzero(crossed_at))
        if o.kind == "stance":
            u = float(model.utilities(x)[p])
            margin = u - float(r0[p])
            verdict = not crossed and margin >= -1e-12
            fits = verdict == o.says_accepts
            if crossed:
                why = f"crosses its red line on {', '.join(_with_probability(model, p, x))}"
            else:
                why = (f"utility {u:.3f} {'>=' if margin >= -1e-12 else '<'} walk-away "
                       f"{r0[p]:.3f} (margin {margin:+.3f})")
            why = ("fits: " if fits else "does not fit: ") + \
                f"the model {'accepts' if verdict else 'rejects'}; " + why
            out.append(Fit(o, fits, why, verdict, margin, crossed))
            continue
        i = model.issue_ids.index(str(o.issue))
        n_o = int(model.n_options[i])
        vals = model.values[p, i, :n_o]
        half = halfway(vals)
        v = float(vals[x[i]])
        option = model.options[i][x[i]]
        forbidden = bool(model.violations(x[None])[0, p, i])
        fits = forbidden or v <= half + 1e-12
        if forbidden:
            why = f"fits: option {option!r} on {o.issue} crosses its red line"
        else:
            why = (f"{'fits' if fits else 'does not fit'}: option {option!r} on {o.issue} is "
                   f"worth {v:.3f}, {'at most' if fits else 'above'} half-way {half:.3f}")
        out.append(Fit(o, fits, why, None, half - v, crossed if forbidden else ()))
    return out


def only_uncertain_red_lines(scenario: Scenario, model: CompiledModel, spec: UncertaintySpec,
                             o: Observation) -> bool:
    """Whether an acceptance is refused by the point model only through red lines that may not
    be real: the plan crosses a red line of the party and every one it crosses has
    probability < 1. Such a miss, even at confidence 1, is left to the posterior."""
    if o.kind != "stance" or not o.says_accepts:
        return False
    x = model.encode(dict(scenario.plan(o.plan).choices))
    mine = [r for r in np.flatnonzero(model.crossed(x[None])[0])
            if model.red_lines.owner[r] == o.party]
    uncertain = set(spec.uncertain_red_lines().tolist())
    return bool(mine) and all(r in uncertain for r in mine)


def _open_fit(model: CompiledModel, choices: dict[str, Any], open_issues: list[str],
              o: Observation, p: int, r0: float) -> Fit:
    """A plan with open issues has no point verdict: a stance fits if some valid completion
    gives it (accepts: the model accepts in some or all; rejects: in some or none). Such
    observations are never counted; this only says how they read."""
    x_all, valid = completions(model, dict(choices), list(open_issues))
    x = x_all[valid] if valid.any() else x_all
    ops = ", ".join(open_issues)
    if o.kind == "objects_to":
        if o.issue in open_issues:
            return Fit(o, True, f"fits: the plan leaves {o.issue} open, so it fixes no option "
                       "to object to", None, None, ())
        x = x[:1]  # the objected issue is set: every completion has the same option on it
        i = model.issue_ids.index(str(o.issue))
        vals = model.values[p, i, :int(model.n_options[i])]
        half, v = halfway(vals), float(vals[x[0, i]])
        forbidden = bool(model.violations(x)[0, p, i])
        fits = forbidden or v <= half + 1e-12
        return Fit(o, fits, f"{'fits' if fits else 'does not fit'}: option "
                   f"{model.options[i][x[0, i]]!r} on {o.issue} is worth {v:.3f} (half-way "
                   f"{half:.3f}){'; it crosses a red line' if forbidden else ''}",
                   None, half - v, ())
    u = model.utilities(x).reshape(-1, model.n_parties)[:, p]
    acc = ~model.violations(x)[:, p].any(axis=1) & (u - r0 >= -1e-12)
    share = "all" if acc.all() else "some" if acc.any() else "none"
    fits = share != "none" if o.says_accepts else share != "all"
    return Fit(o, fits, f"{'fits' if fits else 'does not fit'}: the plan leaves {ops} open; "
               f"the model accepts in {share} of its {x.shape[0]} valid completions (utility "
               f"{u.min():.3f} to {u.max():.3f}, walk-away {r0:.3f})", None, None, ())

