"""Provenance of every provision: its sources, their corroboration and grade, and denials.

A reader of a reported plan must see what each point rests on. Each provision lists its
sources (outlet, whom it cites, date), how many independent outlets carry it, each source's
Admiralty grade (NATO AJP-2.1: source reliability A-F, information credibility 1-6) and
the official statements (denials, non-confirmations, confirmations, reactions) about it.

Independence is counted by outlet: two reports from one outlet count once, and a report
whose `citing` names another outlet among the provision's sources counts with that outlet
(it repeats it rather than corroborating it). Outlets repeating one wire service not itself
listed still count apart: the count is of outlets, and each source line shows whom it cites.
Copies of one document do not corroborate each other: sources whose `derived_from` chains
end at the same document (e.g. every outlet printing one leaked text) count once, as that
document.

Flags: `no-source`, `single-source`, `single-document` (several outlets, all copying one
document), `low-reliability-only` (no source graded A-C with credibility 1-3 and at least one
graded below), `ungraded` (no source carries a grade), `denied` and `not-confirmed` (an
official statement says so).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from accord.model import Plan, Provision, Scenario, Source, Statement

RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    "1": "confirmed by other sources",
    "2": "probably true",
    "3": "possibly true",
    "4": "doubtful",
    "5": "improbable",
    "6": "truth cannot be judged",
}
FLAG_TEXT = {
    "no-source": "no source given",
    "single-source": "rests on a single outlet",
    "single-document": "its outlets all copy one document",
    "low-reliability-only": "rests only on low-reliability sources",
    "ungraded": "no source carries a reliability grade",
    "denied": "officially denied",
    "not-confirmed": "officially not confirmed",
}


@dataclass(frozen=True)
class Grade:
    """An Admiralty grade split into its two halves; either may be missing."""

    reliability: str | None
    credibility: str | None

    @classmethod
    def parse(cls, text: str | None) -> Grade:
        if not text:
            return cls(None, None)
        t = text.strip().upper()
        letter = t[0] if t[:1] in RELIABILITY else None
        digit = next((c for c in t if c in CREDIBILITY), None)
        return cls(letter, digit)

    @property
    def graded(self) -> bool:
        return self.reliability is not None or self.credibility is not None

    @property
    def adequate(self) -> bool:
        """A-C and 1-3 (where given): good enough to rest a provision on."""
        return self.graded and self.reliability in (None, "A", "B", "C") and \
            self.credibility in (None, "1", "2", "3")

    @property
    def low(self) -> bool:
        return self.graded and not self.adequate

    def describe(self) -> str:
        parts = []
        if self.reliability:
            parts.append(RELIABILITY[self.reliability])
        if self.credibility:
            parts.append(CREDIBILITY[self.credibility])
        return "; ".join(parts) or "ungraded"


@dataclass(frozen=True)
class SourceRef:
    id: str
    outlet: str
    citing: str | None
    date: dt.date | None
    reliability: str | None
    kind: str
    url: str | None
    title: str | None
    original: str | None = None
    """The document this source copies, at the end of its `derived_from` chain."""

    @classmethod
    def of(cls, s: Source, original: str | None = None) -> SourceRef:
        return cls(s.id, s.outlet, s.citing, s.date, s.reliability, s.kind, s.url, s.title,
                   original)

    @property
    def grade(self) -> Grade:
        return Grade.parse(self.reliability)

    def to_dict(self) -> dict[str, Any]:
        g = self.grade
        return {
            "id": self.id, "outlet": self.outlet, "citing": self.citing,
            "date": self.date.isoformat() if self.date else None,
            "reliability": self.reliability, "grade": g.describe() if g.graded else None,
            "kind": self.kind, "url": self.url, "title": self.title,
            "copy_of": self.original,
        }


@dataclass(frozen=True)
class StatementRef:
    id: str
    by: str
    date: dt.date | None
    kind: str
    about: str | None
    points: list[str]
    text: str
    sources: list[str]

    @classmethod
    def of(cls, st: Statement, names: dict[str, str] | None = None) -> StatementRef:
        names = names or {}
        by = " and ".join(names.get(p, p) for p in st.by_parties)
        return cls(st.id, by, st.date, st.kind, st.about, [str(p) for p in st.points],
                   st.text, list(st.sources))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "by": self.by,
                "date": self.date.isoformat() if self.date else None, "kind": self.kind,
                "about": self.about, "points": self.points, "text": self.text,
                "sources": self.sources}


@dataclass(frozen=True)
class ProvisionProvenance:
    plan_id: str
    point: str | None
    issue: str | None
    text: str
    sources: list[SourceRef]
    outlets: list[str]
    """Independent outlets, in order of first appearance."""
    statements: list[StatementRef]
    flags: list[str]

    @property
    def corroboration(self) -> int:
        return len(self.outlets)

    @property
    def grades(self) -> list[str]:
        return [s.reliability for s in self.sources if s.reliability]

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan_id, "point": self.point, "issue": self.issue, "text": self.text,
            "sources": [s.to_dict() for s in self.sources],
            "corroboration": self.corroboration, "independent_outlets": self.outlets,
            "statements": [st.to_dict() for st in self.statements],
            "flags": self.flags,
        }


@dataclass
class Provenance:
    """Every plan's provisions with their evidence, and the statements about whole plans."""

    scenario_id: str
    provisions: list[ProvisionProvenance]
    plan_statements: dict[str, list[StatementRef]]
    """Statements about a plan as a whole (no points named)."""
    other_statements: list[StatementRef]
    """Statements about no plan in particular."""
    sources: list[SourceRef]
    uses: dict[str, list[str]] = field(default_factory=dict)
    """source id -> what rests on it: `plan#point`, `statement <id>`, `assumptions on <party>`."""
    total: int | None = None
    """How many provisions the scenario has, when `provisions` holds only some (`--flagged`)."""

    def only_flagged(self) -> None:
        """Keep the flagged provisions, remembering how many there were in all."""
        self.total = self.n_total
        self.provisions = self.flagged

    @property
    def n_total(self) -> int:
        return len(self.provisions) if self.total is None else self.total

    @property
    def flagged(self) -> list[ProvisionProvenance]:
        return [p for p in self.provisions if p.flags]

    def for_plan(self, plan_id: str) -> list[ProvisionProvenance]:
        return [p for p in self.provisions if p.plan_id == plan_id]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_id,
            "provisions": [p.to_dict() for p in self.provisions],
            "plan_statements": {k: [s.to_dict() for s in v]
                                for k, v in self.plan_statements.items()},
            "other_statements": [s.to_dict() for s in self.other_statements],
            "sources": [{**s.to_dict(), "used_by": self.uses.get(s.id, [])}
                        for s in self.sources],
            "summary": {
                "provisions": len(self.provisions),
                "total": self.n_total,
                "flagged": len(self.flagged),
                "by_flag": {f: sum(f in p.flags for p in self.provisions) for f in FLAG_TEXT},
            },
        }


def cited_names(citing: str | None) -> list[str]:
    """`"AFP; AP"` or `"Axios, NBC News"` -> the names cited, case-folded."""
    if not citing:
        return []
    parts = re.split(r"[;,]| and ", citing)
    return [re.sub(r"\s*\(.*?\)\s*", " ", p).strip().casefold() for p in parts if p.strip()]


def independent_outlets(sources: list[SourceRef],
                        documents: dict[str, str] | None = None) -> list[str]:
    """Distinct outlets, dropping an outlet whose every report cites another outlet listed;
    copies of one document count once, named `copies of <document>` (`documents` maps a
    document's id to its name)."""
    documents = documents or {}

    def key(s: SourceRef) -> str:
        return f"document:{s.original}" if s.original else s.outlet.strip().casefold()

    names: dict[str, str] = {}
    for s in sources:
        name = (f"copies of {documents.get(s.original, s.original)}" if s.original
                else s.outlet.strip())
        names.setdefault(key(s), name)

    def repeats(s: SourceRef) -> bool:
        if s.original:
            return False
        own = key(s)
        return any(c in names and c != own for c in cited_names(s.citing))

    standing = {key(s) for s in sources if not repeats(s)}
    out = [name for k, name in names.items() if k in standing]
    return out or list(names.values())[:1]  # outlets citing each other in a ring: count one


def _flags(sources: list[SourceRef], outlets: list[str],
           statements: list[StatementRef]) -> list[str]:
    flags: list[str] = []
    if not sources:
        flags.append("no-source")
    elif len(outlets) == 1:
        copied = {s.original for s in sources}
        several = len({s.outlet.strip().casefold() for s in sources}) > 1
        flags.append("single-document" if several and None not in copied and len(copied) == 1
                     else "single-source")
    grades = [s.grade for s in sources]
    if sources and not any(g.adequate for g in grades) and any(g.low for g in grades):
        flags.append("low-reliability-only")
    if sources and not any(g.graded for g in grades):
        flags.append("ungraded")
    kinds = {st.kind for st in statements}
    if "denial" in kinds:
        flags.append("denied")
    if "non-confirmation" in kinds:
        flags.append("not-confirmed")
    return flags


def _point(p: Provision) -> str | None:
    return None if p.point is None else str(p.point)


def party_names(scenario: Scenario) -> dict[str, str]:
    return {p.id: p.name for p in scenario.parties}


def provision_provenance(scenario: Scenario, plan: Plan, provision: Provision,
                         statements: list[StatementRef] | None = None) -> ProvisionProvenance:
    """One provision's evidence; `statements` defaults to those naming its plan and point."""
    by_id = {s.id: s for s in scenario.sources}
    refs = [SourceRef.of(by_id[sid], scenario.original_document(sid))
            for sid in provision.sources if sid in by_id]
    point = _point(provision)
    if statements is None:
        statements = [StatementRef.of(st, party_names(scenario)) for st in scenario.statements
                      if st.about == plan.id and point is not None
                      and point in {str(x) for x in st.points}]
    outlets = independent_outlets(refs, {s.id: s.outlet for s in scenario.sources})
    return ProvisionProvenance(plan.id, point, provision.issue, provision.text, refs, outlets,
                               statements, _flags(refs, outlets, statements))


def provenance(scenario: Scenario) -> Provenance:
    """Provenance of every provision of every plan, in file order."""
    provisions = [provision_provenance(scenario, plan, prov)
                  for plan in scenario.plans for prov in plan.provisions]
    plan_statements: dict[str, list[StatementRef]] = {}
    other: list[StatementRef] = []
    attached = {st.id for p in provisions for st in p.statements}
    for st in scenario.statements:
        if st.about is None:
            other.append(StatementRef.of(st, party_names(scenario)))
        elif st.id not in attached:  # on the whole plan, or on points it does not number
            plan_statements.setdefault(st.about, []).append(
                StatementRef.of(st, party_names(scenario)))
    uses: dict[str, list[str]] = {}

    def use(source_id: str, label: str) -> None:
        if label not in uses.setdefault(source_id, []):
            uses[source_id].append(label)

    for p in provisions:
        for s in p.sources:
            use(s.id, f"{p.plan_id}#{p.point if p.point is not None else '-'}")
    for st in scenario.statements:
        for sid in st.sources:
            use(sid, f"statement {st.id}")
    for src in scenario.sources:
        if src.derived_from is not None:
            use(src.derived_from, f"copy {src.id}")
    for party in scenario.parties:
        pref = scenario.preferences.get(party.id)
        basis = list(party.basis) + (list(pref.basis) if pref else []) + [
            sid for rl in (pref.red_lines if pref else []) for sid in rl.basis]
        for sid in basis:
            use(sid, f"assumptions on {party.id}")
    return Provenance(scenario.scenario, provisions, plan_statements, other,
                      [SourceRef.of(s, scenario.original_document(s.id))
                       for s in scenario.sources], uses)


def render_text(prov: Provenance) -> str:
    """Plain text for `accord sources`: deterministic, so it can be pinned by golden tests."""
    out: list[str] = [f"Provenance of the provisions of {prov.scenario_id}", ""]
    plans: list[str] = []
    for p in prov.provisions:
        if p.plan_id not in plans:
            plans.append(p.plan_id)
    for plan_id in plans + [k for k in prov.plan_statements if k not in plans]:
        out.append(f"== {plan_id}")
        for st in prov.plan_statements.get(plan_id, []):
            out.append(f"  statement on the plan: {_statement_line(st)}")
        for p in prov.for_plan(plan_id):
            head = f"  point {p.point if p.point is not None else '-'}"
            if p.issue:
                head += f" [{p.issue}]"
            out.append(f"{head}: {p.text}")
            out.append(f"    corroboration: {p.corroboration} independent outlet"
                       f"{'' if p.corroboration == 1 else 's'}"
                       + (f" ({', '.join(p.outlets)})" if p.outlets else ""))
            for s in p.sources:
                out.append(f"    - {_source_line(s)}")
            for st in p.statements:
                out.append(f"    ! {_statement_line(st)}")
            if p.flags:
                out.append(f"    FLAGS: {'; '.join(FLAG_TEXT[f] for f in p.flags)}")
        out.append("")
    if prov.other_statements:
        out.append("== statements about no single plan")
        out += [f"  {_statement_line(st)}" for st in prov.other_statements]
        out.append("")
    out.append("== sources")
    for s in prov.sources:
        used = ", ".join(prov.uses.get(s.id, [])) or "nothing"
        out.append(f"  {s.id}: {_source_line(s)}; used by: {used}")
    out.append("")
    flagged = prov.flagged
    out.append(f"{len(flagged)} of {prov.n_total} provisions flagged")
    for f in FLAG_TEXT:
        n = sum(f in p.flags for p in prov.provisions)
        if n:
            out.append(f"  {FLAG_TEXT[f]}: {n}")
    return "\n".join(out) + "\n"


def _source_line(s: SourceRef) -> str:
    line = s.outlet
    if s.citing:
        line += f", citing {s.citing}"
    line += f", {s.date.isoformat() if s.date else 'undated'}"
    g = s.grade
    line += f", grade {s.reliability} ({g.describe()})" if s.reliability else ", ungraded"
    if s.kind != "report":
        line += f", {s.kind}"
    if s.original:
        line += f", copy of {s.original}"
    return line


def _statement_line(st: StatementRef) -> str:
    date = st.date.isoformat() if st.date else "undated"
    pts = f" on point {', '.join(st.points)}" if st.points else ""
    src = f" [{', '.join(st.sources)}]" if st.sources else ""
    return f"{st.kind} by {st.by} ({date}){pts}: {st.text}{src}"
