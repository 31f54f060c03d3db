"""Who may do and see what in a scenario: the ONE place the web layer asks.

Roles per scenario (DESIGN.md, "Roles and confidentiality"):
- mediator: sees and edits everything, runs every analysis, publishes results to the parties;
- delegate (for one party): sees the shared issues, plans and sources and only its own party's
  preferences; edits only those; scores plans on that view; sees results the mediator
  published, with other parties' preference-derived detail removed;
- observer: sees the shared parts and published results, never any party's preferences.

Everything a non-mediator receives (scenario, versions, diffs, exports, reports, analysis
results, error messages) is built from `filter_scenario` or passed through `filter_result`, so
a preference that is not in the viewer's view cannot reach them by any route. A party's
reservation (walk-away), capability, basis and note are treated as preferences too: they are
the party's confidential position, and the note often explains the reservation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from accord.model.scenario import Party, Scenario

MEDIATOR, DELEGATE, OBSERVER = "mediator", "delegate", "observer"

# What each role may do. Delegates' preference edits are further limited to their own party.
_ALLOWED: dict[str, frozenset[str]] = {
    MEDIATOR: frozenset({
        "view", "edit_scenario", "edit_preferences", "manage_members", "view_audit",
        "run_score", "run_solve", "run_robustness", "publish", "download_scenario",
        "download_report", "view_members",
    }),
    DELEGATE: frozenset({
        "view", "edit_preferences", "run_score", "download_scenario", "download_report",
        "view_members",
    }),
    OBSERVER: frozenset({"view", "download_scenario", "view_members"}),
}

# Fields of another party's record a non-mediator may keep in an analysis result.
_PARTY_PUBLIC = ("id", "name", "party", "role", "utility", "accepts")
# Keys under which per-party scalars are the published outcome itself, not a preference.
_OUTCOME_KEYS = frozenset({"utilities", "utility", "accepts", "accepted", "all_accept"})
# Party-aligned arrays that may carry preferences; dropped whole for non-mediators.
_DENY_KEYS = frozenset({"disagreement", "reservation", "reservations", "ideal", "ideals",
                        "weights", "values", "red_lines", "concessions", "margin", "basis",
                        "rationale", "uncertainty", "samples", "capability"})
WITHHELD = "[withheld]"


class Forbidden(Exception):
    """The viewer may not do this; the message says what, never what is behind it."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as seen from one scenario."""

    user_id: int
    username: str
    role: str | None
    party: str | None = None
    is_admin: bool = False

    @property
    def is_mediator(self) -> bool:
        return self.role == MEDIATOR

    @property
    def view_key(self) -> str:
        """Names the slice of the scenario this viewer works on (for jobs)."""
        if self.role == MEDIATOR:
            return "full"
        if self.role == DELEGATE and self.party:
            return f"party:{self.party}"
        return "public"


def allowed(viewer: Viewer, action: str, party: str | None = None) -> bool:
    if viewer.role is None or action not in _ALLOWED.get(viewer.role, frozenset()):
        return False
    if action == "edit_preferences" and viewer.role == DELEGATE:
        return party is not None and party == viewer.party
    return True


def require(viewer: Viewer, action: str, party: str | None = None) -> None:
    if not allowed(viewer, action, party):
        what = action.replace("_", " ")
        if party is not None and action == "edit_preferences":
            raise Forbidden("you may edit only your own party's preferences")
        raise Forbidden(f"your role in this scenario does not allow: {what}")


def visible_parties(viewer: Viewer, scenario: Scenario) -> set[str]:
    """Parties whose preferences (and confidential party fields) the viewer may see."""
    if viewer.role == MEDIATOR:
        return set(scenario.party_ids)
    if viewer.role == DELEGATE and viewer.party:
        return {viewer.party}
    return set()


def _public_party(party: Party) -> Party:
    return Party(id=party.id, name=party.name, role=party.role)


def filter_scenario(scenario: Scenario, viewer: Viewer) -> Scenario:
    """The scenario as this viewer may see it."""
    if viewer.role == MEDIATOR:
        return scenario
    keep = visible_parties(viewer, scenario)
    parties = [p if p.id in keep else _public_party(p) for p in scenario.parties]
    prefs = {k: v for k, v in scenario.preferences.items() if k in keep}
    return scenario.model_copy(update={"parties": parties, "preferences": prefs})


def can_see_job(viewer: Viewer, view: str, published: bool) -> bool:
    """Mediators see every job; others see jobs run on their own view, or published ones."""
    if viewer.role == MEDIATOR:
        return True
    if viewer.role is None:
        return False
    return published or view == viewer.view_key


def hidden_parties(viewer: Viewer, scenario: Scenario) -> set[str]:
    return set(scenario.party_ids) - visible_parties(viewer, scenario)


def _mentions(text: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.search(text) for p in patterns)


def filter_result(payload: Any, viewer: Viewer, scenario: Scenario, view: str = "full") -> Any:
    """An analysis result as this viewer may see it.

    A result computed on the viewer's own view holds nothing else and passes unchanged. Any
    other result keeps, for parties hidden from the viewer, only the outcome (utility of the
    published package and whether they accept it); every preference-shaped field (weights,
    values, red lines, reservations, concessions, reasons) is dropped and any text naming a
    hidden party (other than its bare id) is withheld.
    """
    if viewer.role == MEDIATOR or view == viewer.view_key:
        return payload
    hidden = hidden_parties(viewer, scenario)
    if not hidden:
        return payload
    names = [p.name for p in scenario.parties if p.id in hidden]
    patterns = [re.compile(rf"\b{re.escape(x)}\b", re.IGNORECASE)
                for x in (*sorted(hidden), *names) if x]
    own = viewer.party

    def walk(obj: Any, parent: str | None, mine: bool = False) -> Any:
        if isinstance(obj, dict):
            pid = obj.get("id", obj.get("party"))
            if isinstance(pid, str) and pid in hidden:
                return {k: walk(obj[k], k) for k in _PARTY_PUBLIC if k in obj}
            # The viewer's own party record keeps its detail (still cut of hidden parties).
            mine = mine or (isinstance(pid, str) and pid == own and "utility" in obj)
            out: dict[str, Any] = {}
            for k, v in obj.items():
                key = str(k)
                if key in hidden:
                    if parent in _OUTCOME_KEYS and isinstance(v, int | float | bool):
                        out[key] = v
                    continue
                if key == own:
                    out[key] = walk(v, key, True)
                    continue
                if key in _DENY_KEYS and not mine and not isinstance(v, dict):
                    continue
                out[key] = walk(v, key, mine)
            return out
        if isinstance(obj, list):
            items = [walk(v, parent, mine) for v in obj]
            return [v for v in items if v != WITHHELD]
        if isinstance(obj, str) and obj not in hidden and _mentions(obj, patterns):
            return WITHHELD
        return obj

    return walk(payload, None)


def problem_text(viewer: Viewer, lines: list[str]) -> list[str]:
    """Error details shown to the viewer: mediators see every line; others see only lines
    that cannot quote a hidden party's data (their own submission's problems are checked
    against their own view before this is ever needed)."""
    if viewer.role == MEDIATOR:
        return lines
    return ["the scenario cannot be saved in its current state; ask the mediator"]
