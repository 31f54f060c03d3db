"""Plan versions: what changed between two plans, and whom each change helped.

Provisions are matched by point (a point used twice in one plan by point and issue;
unnumbered ones by their text); a point present in one plan only is added or removed, a point
whose text, issue or sources differ is changed. A plan `based_on` another lists only what it
changes: every point of its base it does not restate is carried over (recursively), so a
mark-up is compared with the full text it amends, not with its list of amendments.
Choices are compared issue by issue, and each party's utility change is split over issues
with the compiled model's weighted value table, so the per-issue moves sum exactly to the
change in the plan's utility that `accord.evaluate.score_plan` reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from accord.evaluate import PartyVerdict, PlanScore, score_plan
from accord.model import CompiledModel, Plan, Provision, Scenario, compile_scenario
from accord.model.scenario import OptionValue


@dataclass(frozen=True)
class ProvisionChange:
    key: str
    """The point number, or `text:<first words>` for an unnumbered provision."""
    status: str  # added | removed | changed | unchanged
    origin_a: str | None
    origin_b: str | None
    """The plan that states the provision (a base plan when carried over)."""
    issue_a: str | None
    issue_b: str | None
    text_a: str | None
    text_b: str | None
    sources_a: list[str]
    sources_b: list[str]

    @property
    def what(self) -> list[str]:
        """Which parts of a changed provision differ."""
        if self.status != "changed":
            return []
        out = []
        if self.text_a != self.text_b:
            out.append("text")
        if self.issue_a != self.issue_b:
            out.append("issue")
        if self.sources_a != self.sources_b:
            out.append("sources")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"point": self.key, "status": self.status, "changed": self.what,
                "stated_in": {"a": self.origin_a, "b": self.origin_b},
                "a": None if self.status == "added" else
                {"issue": self.issue_a, "text": self.text_a, "sources": self.sources_a},
                "b": None if self.status == "removed" else
                {"issue": self.issue_b, "text": self.text_b, "sources": self.sources_b}}


@dataclass(frozen=True)
class ChoiceChange:
    issue: str
    a: OptionValue
    b: OptionValue
    utility: dict[str, float]
    """party -> utility change from this issue alone (weighted value of b minus of a)."""


@dataclass(frozen=True)
class PartyMove:
    party: str
    name: str
    a: float
    b: float
    accepts_a: bool
    accepts_b: bool
    reservation: float
    range_a: tuple[float, float] | None = None
    range_b: tuple[float, float] | None = None
    """For a plan with open issues: utility from its worst to its best valid completion."""
    verdict_a: str | None = None
    verdict_b: str | None = None
    """For a plan with open issues: accepts in "all", "some" or "none" of the completions."""

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass
class PlanDiff:
    scenario_id: str
    a: Plan
    b: Plan
    provisions: list[ProvisionChange]
    choices: list[ChoiceChange]
    parties: list[PartyMove]
    opened: list[tuple[str, OptionValue | None, OptionValue | None]] = field(
        default_factory=list)
    """Issues open (bracketed, None) in one plan and set in the other, or open in both:
    (issue, option in A or None, option in B or None)."""

    @property
    def counts(self) -> dict[str, int]:
        keys = ("added", "removed", "changed", "unchanged")
        return {k: sum(p.status == k for p in self.provisions) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_id,
            "a": _plan_head(self.a), "b": _plan_head(self.b),
            "b_based_on_a": self.b.based_on == self.a.id,
            "provisions": [p.to_dict() for p in self.provisions if p.status != "unchanged"],
            "provision_counts": self.counts,
            "choices_changed": [
                {"issue": c.issue, "from": c.a, "to": c.b,
                 "utility_change": {p: round(v, 6) for p, v in c.utility.items()}}
                for c in self.choices
            ],
            "open_a": list(self.a.open), "open_b": list(self.b.open),
            "open_changes": [{"issue": i, "from": "open" if x is None else x,
                              "to": "open" if y is None else y} for i, x, y in self.opened],
            "parties": [
                {"id": m.party, "name": m.name, "utility_a": round(m.a, 6),
                 "utility_b": round(m.b, 6), "change": round(m.delta, 6),
                 "walk_away": m.reservation, "accepts_a": m.accepts_a, "accepts_b": m.accepts_b,
                 **{f"{k}_{s}": v for s in ("a", "b")
                    for k, v in (("range", _rng(getattr(m, f"range_{s}"))),
                                 ("verdict", getattr(m, f"verdict_{s}"))) if v is not None}}
                for m in self.parties
            ],
        }


def _plan_head(p: Plan) -> dict[str, Any]:
    return {"id": p.id, "title": p.title, "date": p.date.isoformat() if p.date else None,
            "status": p.status, "based_on": p.based_on}


def _keyed(provisions: list[Provision]) -> dict[str, Provision]:
    points = [str(p.point) for p in provisions if p.point is not None]
    out: dict[str, Provision] = {}
    for p in provisions:
        if p.point is None:
            key = "text:" + " ".join(p.text.split()[:6])
        elif points.count(str(p.point)) > 1:
            key = f"{p.point}/{p.issue or '-'}"
        else:
            key = str(p.point)
        while key in out:  # a repeated key keeps every provision
            key += "'"
        out[key] = p
    return out


def effective_provisions(scenario: Scenario, plan: Plan) -> dict[str, tuple[Provision, str]]:
    """key -> (provision, id of the plan that states it): own points over the base's points."""
    chain: list[Plan] = []
    seen: set[str] = set()
    cur: Plan | None = plan
    known = {p.id: p for p in scenario.plans}
    while cur is not None and cur.id not in seen:
        chain.append(cur)
        seen.add(cur.id)
        cur = known.get(cur.based_on) if cur.based_on else None
    out: dict[str, tuple[Provision, str]] = {}
    for p in reversed(chain):  # the base first, each amendment over it
        for key, prov in _keyed(p.provisions).items():
            out[key] = (prov, p.id)
    return out


def _point_order(key: str) -> tuple[int, float, str]:
    try:
        return (0, float(key.rstrip("'")), key)
    except ValueError:
        return (1, 0.0, key)


def diff_plans(scenario: Scenario, plan_a: str | Plan, plan_b: str | Plan,
               model: CompiledModel | None = None,
               scores: tuple[PlanScore, PlanScore] | None = None) -> PlanDiff:
    """Point-by-point and issue-by-issue differences from plan A to plan B."""
    a = scenario.plan(plan_a) if isinstance(plan_a, str) else plan_a
    b = scenario.plan(plan_b) if isinstance(plan_b, str) else plan_b
    model = model if model is not None else compile_scenario(scenario)
    ea, eb = effective_provisions(scenario, a), effective_provisions(scenario, b)
    changes: list[ProvisionChange] = []
    for key in sorted(set(ea) | set(eb), key=_point_order):
        pa, oa = ea.get(key, (None, None))
        pb, ob = eb.get(key, (None, None))
        if pa is None:
            status = "added"
        elif pb is None:
            status = "removed"
        elif (pa.text.strip(), pa.issue, pa.sources) == (pb.text.strip(), pb.issue, pb.sources):
            status = "unchanged"
        else:
            status = "changed"
        changes.append(ProvisionChange(
            key, status, oa, ob, pa.issue if pa else None, pb.issue if pb else None,
            pa.text if pa else None, pb.text if pb else None,
            list(pa.sources) if pa else [], list(pb.sources) if pb else []))
    # An issue a plan leaves open (-1) has no option to compare: it is listed in `opened`.
    xa, xb = model.encode(a.choices, missing=-1), model.encode(b.choices, missing=-1)
    choices = []
    opened: list[tuple[str, OptionValue | None, OptionValue | None]] = []
    for i, iid in enumerate(model.issue_ids):
        if xa[i] < 0 or xb[i] < 0:
            opened.append((iid, None if xa[i] < 0 else model.raw_options[i][int(xa[i])],
                           None if xb[i] < 0 else model.raw_options[i][int(xb[i])]))
        if xa[i] != xb[i] and xa[i] >= 0 and xb[i] >= 0:
            move = model.table[:, i, xb[i]] - model.table[:, i, xa[i]]
            choices.append(ChoiceChange(
                iid, model.raw_options[i][int(xa[i])], model.raw_options[i][int(xb[i])],
                {pid: float(move[p]) for p, pid in enumerate(model.party_ids)}))
    sa, sb = scores if scores is not None else (
        score_plan(scenario, model, a, find_improvement=False),
        score_plan(scenario, model, b, find_improvement=False))
    parties = [PartyMove(va.id, va.name, va.utility, vb.utility, va.accepts, vb.accepts,
                         va.reservation, _span(va), _span(vb), va.verdict, vb.verdict)
               for va, vb in zip(sa.parties, sb.parties, strict=True)]
    return PlanDiff(scenario.scenario, a, b, changes, choices, parties, opened)


def render_diff_text(d: PlanDiff) -> str:
    """Plain text for `accord diff`: deterministic, so it can be pinned by golden tests."""
    def head(p: Plan) -> str:
        date = p.date.isoformat() if p.date else "undated"
        return f"{p.id} ({date}, {p.status}): {p.title}"

    out = [f"Plan diff in {d.scenario_id}", f"  A: {head(d.a)}", f"  B: {head(d.b)}"]
    if d.b.based_on == d.a.id:
        out.append("  B is based on A")
    c = d.counts
    for plan in (d.a, d.b):
        origins = {ch.origin_b if plan is d.b else ch.origin_a for ch in d.provisions}
        carried = sorted(o for o in origins if o is not None and o != plan.id)
        if carried:
            out.append(f"  {plan.id} restates only what it changes; the rest is carried over "
                       f"from {', '.join(carried)}")
    out += ["", f"Provisions: {c['added']} added, {c['removed']} removed, {c['changed']} changed, "
            f"{c['unchanged']} unchanged"]
    for p in d.provisions:
        if p.status == "unchanged":
            continue
        label = f"point {p.key}" if not p.key.startswith("text:") else "unnumbered"
        issue = p.issue_b or p.issue_a
        tag = f" [{issue}]" if issue else ""
        if p.status == "added":
            out.append(f"  + {label}{tag}: {p.text_b}")
        elif p.status == "removed":
            out.append(f"  - {label}{tag}: {p.text_a}")
        else:
            out.append(f"  ~ {label}{tag} ({', '.join(p.what)} changed)")
            if p.text_a != p.text_b:
                out.append(f"      A: {p.text_a}")
                out.append(f"      B: {p.text_b}")
            if p.issue_a != p.issue_b:
                out.append(f"      issue: {p.issue_a} -> {p.issue_b}")
            if p.sources_a != p.sources_b:
                out.append(f"      sources: {', '.join(p.sources_a) or '-'} -> "
                           f"{', '.join(p.sources_b) or '-'}")
    parties = [m.party for m in d.parties]
    out += ["", f"Choices changed: {len(d.choices)}"]
    if d.choices:
        width = max(len("issue"), *(len(c.issue) for c in d.choices))
        out.append(f"  {'issue'.ljust(width)}  from -> to; utility change by party "
                   f"({', '.join(parties)})")
        for ch in d.choices:
            moves = "  ".join(f"{p} {ch.utility[p]:+.3f}" for p in parties)
            out.append(f"  {ch.issue.ljust(width)}  {_opt(ch.a)} -> {_opt(ch.b)}; {moves}")
    if d.opened:
        out += ["", f"Open issues: A leaves {', '.join(d.a.open) or 'none'} open, "
                f"B {', '.join(d.b.open) or 'none'}"]
        for iid, x, y in d.opened:
            out.append(f"  {iid}: {'open' if x is None else _opt(x)} -> "
                       f"{'open' if y is None else _opt(y)}")
    out += ["", "Utility by party (A -> B, change; walk-away; verdict)"]
    if any(m.range_a or m.range_b for m in d.parties):
        out.append("  (a plan with open issues shows the range over its valid completions; the "
                   "change is between the low ends)")
    for m in d.parties:
        verdict = f"{_acc(m.accepts_a, m.verdict_a)} -> {_acc(m.accepts_b, m.verdict_b)}"
        out.append(f"  {m.name} ({m.party}): {_u(m.a, m.range_a)} -> {_u(m.b, m.range_b)} "
                   f"({m.delta:+.3f}); walk-away {m.reservation:.3f}; {verdict}")
    return "\n".join(out) + "\n"


def _span(v: PartyVerdict) -> tuple[float, float] | None:
    return None if v.range is None else (v.range.low, v.range.high)


def _rng(r: tuple[float, float] | None) -> list[float] | None:
    return None if r is None else [round(r[0], 6), round(r[1], 6)]


def _u(x: float, r: tuple[float, float] | None) -> str:
    return f"{x:.3f}" if r is None else f"{r[0]:.3f} to {r[1]:.3f}"


def _opt(v: OptionValue) -> str:
    return f"{v:,}" if isinstance(v, int) else str(v)


def _acc(ok: bool, verdict: str | None = None) -> str:
    if verdict is not None:
        return f"accepts in {verdict}"
    return "accepts" if ok else "rejects"


@dataclass(frozen=True)
class TimelineStep:
    plan: Plan
    score: PlanScore
    parent: str | None
    """The plan this one is compared with: its `based_on`, else the previous plan by date."""
    diff: PlanDiff | None


def plan_order(scenario: Scenario) -> list[Plan]:
    """Plans by date (undated last), file order breaking ties."""
    big = dt.date.max
    idx = {p.id: n for n, p in enumerate(scenario.plans)}
    return sorted(scenario.plans, key=lambda p: (p.date or big, idx[p.id]))


def timeline(scenario: Scenario, model: CompiledModel,
             scores: dict[str, PlanScore]) -> list[TimelineStep]:
    """The plans in date order, each diffed against its predecessor."""
    steps: list[TimelineStep] = []
    ordered = plan_order(scenario)
    known = {p.id for p in scenario.plans}
    for n, plan in enumerate(ordered):
        parent = plan.based_on if plan.based_on in known else (
            ordered[n - 1].id if n else None)
        diff = None
        if parent is not None:
            diff = diff_plans(scenario, parent, plan, model,
                              scores=(scores[parent], scores[plan.id]))
        steps.append(TimelineStep(plan, scores[plan.id], parent, diff))
    return steps
