"""The scenario: issues, options, parties, preferences, plans and their sources.

These pydantic models are the scenario format's single source of truth; `accord schema`
publishes them as JSON Schema. They hold what the file says. Semantic checks (unknown ids,
ranges, completeness) live in `accord.model.validate`, because they need the whole file at
once and must report every problem together, with the place it was found.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

OptionValue = str | bool | int | float
"""An option as written in the file: a string, or a number on a numeric grid."""

Role = Literal["party", "mediator", "stakeholder"]
PlanStatus = Literal["reported", "proposed", "presented", "agreed", "rejected", "draft"]
Consent = Literal["all", "none"] | list[str]
"""Whose verdict can block agreement: `all` issues, a list of issue ids (a veto over those
issues' red lines only), or `none` (scored and shown, never blocks)."""
Stance = Literal["accepts", "rejects", "basis"]


def option_key(option: OptionValue) -> str:
    """The key that matches an option wherever it is written (choices, values, red lines).

    Options are matched as written: `600000` and `"600000"` are the same option, `0.5` and
    `0.50` too, but `"none"` and `"None"` are not.
    """
    if isinstance(option, bool):
        return "true" if option else "false"
    if isinstance(option, float) and option.is_integer():
        return str(int(option))
    return str(option)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Source(_Strict):
    """Where a fact comes from: an outlet, whom it cites, when, and how far we trust it."""

    id: str
    outlet: str
    citing: str | None = None
    date: dt.date | None = None
    url: str | None = None
    title: str | None = None
    reliability: str | None = Field(
        default=None,
        description="Admiralty grade: source reliability A-F and information credibility 1-6, "
        "e.g. 'B2'.",
    )
    kind: Literal["report", "official", "analysis", "document"] = "report"
    derived_from: str | None = Field(
        default=None,
        description="Id of the source (often a `kind: document`, e.g. one leaked text) this one "
        "copies or summarises. Copies of one document are not independent corroboration: "
        "provenance counts them once.",
    )
    note: str | None = None


class Party(_Strict):
    id: str
    name: str
    role: Role = "party"
    reservation: float | None = Field(
        default=None,
        description="Utility of walking away (BATNA), in [0, 1]. A party accepts a package "
        "only if its utility is at least this.",
    )
    capability: float | None = Field(
        default=None, description="Relative power in [0, 1], used by stakeholder forecasting."
    )
    discount: float | None = Field(
        default=None,
        description="Per-round discount factor in (0, 1] (Genius `discount_factor`): time "
        "pressure in simulations. None means no discounting.",
    )
    basis: list[str] = Field(default_factory=list, description="Source ids the numbers rest on.")
    note: str | None = None
    consent: Consent | None = Field(
        default=None,
        description="`all` (the bargaining set: objective, walk-away, efficiency), a list of "
        "issue ids (only its red lines on those issues bind every solution) or `none` (scored, "
        "never blocks). Default: `all` for a party or stakeholder, `none` for a mediator.",
    )

    @property
    def consent_scope(self) -> Literal["all", "none"] | list[str]:
        """The consent as stated, or the role's default."""
        if self.consent is not None:
            return self.consent
        return "none" if self.role == "mediator" else "all"


class Issue(_Strict):
    id: str
    name: str
    description: str | None = None
    kind: Literal["categorical", "numeric"] = "categorical"
    options: list[OptionValue]
    labels: dict[str, str] = Field(default_factory=dict, description="Longer option labels.")


class RedLine(_Strict):
    id: str | None = Field(default=None,
                           description="Unique id; default `<party>:<issue>:<k>`, k its position "
                           "in the party's `red_lines` list (from 0).")
    issue: str
    forbid: list[OptionValue]
    unless: dict[str, list[OptionValue]] = Field(
        default_factory=dict,
        description="Lifted in a package that has, on each listed issue (not the red line's "
        "own), one of the listed options.",
    )
    probability: float = Field(
        default=1.0,
        description="The analyst's belief in (0, 1] that the red line is real. Deterministic "
        "commands treat every red line as binding.",
    )
    basis: list[str] = Field(default_factory=list)
    note: str | None = None


class Constraint(_Strict):
    """Options that cannot stand together: a package with, on each listed issue, one of the
    listed options is not a valid package."""

    id: str
    forbid: dict[str, list[OptionValue]] = Field(
        description="Issue -> options; AND across issues, OR within an issue."
    )
    note: str | None = None
    sources: list[str] = Field(default_factory=list)


class DirichletSpec(_Strict):
    dirichlet: float = Field(
        description="Concentration around the stated weights; larger is surer."
    )


class ValueSpread(_Strict):
    sd: float = Field(description="Standard deviation of a Beta around each stated option value.")
    issues: dict[str, float] = Field(
        default_factory=dict, description="Per-issue standard deviations overriding `sd`."
    )


class Interval(_Strict):
    low: float
    high: float


class Uncertainty(_Strict):
    weights: DirichletSpec | None = None
    values: ValueSpread | None = None
    reservation: Interval | None = None


class Preferences(_Strict):
    """One party's position: analyst assumptions, never facts."""

    weights: dict[str, float] = Field(description="Relative salience by issue id; normalised.")
    values: dict[str, dict[str, float]] = Field(
        description="Per issue, per option (as written): 0 = worst, 1 = best for this party."
    )
    red_lines: list[RedLine] = Field(default_factory=list)
    uncertainty: Uncertainty | None = None
    basis: list[str] = Field(default_factory=list)
    rationale: str | None = None
    notes: dict[str, str] = Field(default_factory=dict)


class Provision(_Strict):
    point: int | str | None = None
    issue: str | None = None
    text: str
    sources: list[str] = Field(default_factory=list)


class Plan(_Strict):
    id: str
    title: str
    date: dt.date | None = None
    status: PlanStatus = "proposed"
    based_on: str | None = None
    author: str | None = None
    choices: dict[str, OptionValue]
    open: list[str] = Field(
        default_factory=list,
        description="Issues the text leaves bracketed (not agreed); scored as a range over "
        "their valid completions.",
    )
    provisions: list[Provision] = Field(default_factory=list)
    note: str | None = None


class Statement(_Strict):
    """An official reaction, denial or red line, recorded as a first-class fact."""

    id: str
    by: str | list[str] = Field(description="Party id, or a list of party ids for a joint one.")
    speaker: str | None = Field(default=None, description="Who spoke, e.g. a spokesperson.")
    date: dt.date | None = None
    kind: Literal["denial", "non-confirmation", "confirmation", "reaction", "red-line"]
    about: str | None = None
    points: list[int | str] = Field(default_factory=list)
    text: str
    sources: list[str] = Field(default_factory=list)
    # --- stance on a plan (issue 15): what `accord calibrate` learns from -------------------
    stance: Stance | None = Field(
        default=None, description="The party's reaction to the plan named in `about`: "
        "accepts, rejects, or basis (acceptable as a basis for talks: weak acceptance).")
    confidence: float | None = Field(
        default=None, description="How clearly the statement shows that stance, in (0.5, 1]; "
        "default 0.9, and 0.7 for basis.")
    objects_to: list[str] = Field(
        default_factory=list, description="Issue ids whose option in the plan the party "
        "objects to.")
    supersedes: str | None = Field(
        default=None, description="Id of an earlier statement of the same party about the same "
        "plan that this one replaces; only the latest counts.")

    @property
    def by_parties(self) -> list[str]:
        return [self.by] if isinstance(self.by, str) else list(self.by)

    @property
    def by_label(self) -> str:
        return " and ".join(self.by_parties)


class Scenario(_Strict):
    """A whole negotiation: who, over what, which plans, and on what evidence."""

    scenario: str = Field(description="Identifier of the scenario.")
    title: str
    note: str | None = None
    description: str | None = None
    parties: list[Party]
    issues: list[Issue]
    constraints: list[Constraint] = Field(
        default_factory=list, description="Option combinations no package may contain."
    )
    preferences: dict[str, Preferences] = Field(default_factory=dict)
    plans: list[Plan] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    statements: list[Statement] = Field(default_factory=list)

    @field_validator("sources")
    @classmethod
    def _sources_descend_from_known_documents(cls, sources: list[Source]) -> list[Source]:
        """`derived_from` names another listed source, and no chain of copies loops."""
        parent = {s.id: s.derived_from for s in sources}
        for src in sources:
            seen = {src.id}
            cur = src.derived_from
            while cur is not None:
                if cur not in parent:
                    raise ValueError(
                        f"source {src.id!r}: derived_from names unknown source {cur!r}; "
                        "list that document under `sources:` or fix the id")
                if cur in seen:
                    raise ValueError(
                        f"source {src.id!r}: derived_from loops back to {cur!r}; "
                        "the chain of copies must end at an original document")
                seen.add(cur)
                cur = parent[cur]
        return sources

    # Look-ups used everywhere; cheap enough to compute on demand.
    def party(self, party_id: str) -> Party:
        for p in self.parties:
            if p.id == party_id:
                return p
        raise KeyError(f"unknown party {party_id!r}; known: {', '.join(self.party_ids)}")

    def issue(self, issue_id: str) -> Issue:
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(f"unknown issue {issue_id!r}")

    def plan(self, plan_id: str) -> Plan:
        for p in self.plans:
            if p.id == plan_id:
                return p
        known = ", ".join(p.id for p in self.plans) or "none"
        raise KeyError(f"unknown plan {plan_id!r}; known plans: {known}")

    def source(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(f"unknown source {source_id!r}")

    def original_document(self, source_id: str) -> str | None:
        """The source a copy descends from, following `derived_from` to its end; None if
        `source_id` is no copy."""
        parent = {s.id: s.derived_from for s in self.sources}
        seen: set[str] = set()
        cur, root = parent.get(source_id), None
        while cur is not None and cur not in seen:  # validated acyclic; guard all the same
            seen.add(cur)
            root, cur = cur, parent.get(cur)
        return root

    @property
    def party_ids(self) -> list[str]:
        return [p.id for p in self.parties]

    @property
    def issue_ids(self) -> list[str]:
        return [i.id for i in self.issues]

    @property
    def scored_party_ids(self) -> list[str]:
        """Parties with preferences, in the order of `parties`: the ones every analysis scores."""
        return [p.id for p in self.parties if p.id in self.preferences]


def red_line_id(party: str, k: int, red_line: RedLine) -> str:
    """A red line's id as written, or `<party>:<issue>:<k>` (k: its place in the list)."""
    return red_line.id or f"{party}:{red_line.issue}:{k}"
