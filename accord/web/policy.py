"""Who may do and see what in a scenario: the ONE place the web layer asks.

Roles per scenario (DESIGN.md, "Roles and confidentiality"):
- mediator: sees and edits everything, runs every analysis, publishes results to the parties;
- delegate (for one party): sees the shared issues, plans and sources and only its own party's
  preferences; edits only those; scores plans on that view; sees results the mediator
  published, with other parties' preference-derived detail removed;
- observer: sees the shared parts and published results, never any party's preferences.

Only the mediator downloads the HTML report: it compares the parties (accord.report needs at
least two scored parties), so there is no report of a one-party or no-party view.

Everything a non-mediator receives (scenario, versions, diffs, exports, analysis
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
        "run_score", "run_solve", "run_robustness", "run_calibrate", "publish",
        "download_scenario", "download_report", "view_members",
    }),
    DELEGATE: frozenset({
        "view", "edit_preferences", "run_score", "download_scenario", "view_members",
    }),
    OBSERVER: frozenset({"view", "download_scenario", "view_members"}),
}



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
    # A stance is the analyst's reading of a party's reaction, evidence about its hidden
    # numbers: it goes with them. (Left in, it would also make the view invalid, since a
    # stance needs a party with preferences.)
    statements = [st if any(p in prefs for p in st.by_parties) else
                  st.model_copy(update={"stance": None, "confidence": None, "objects_to": []})
                  for st in scenario.statements]
    return scenario.model_copy(update={"parties": parties, "preferences": prefs,
                                       "statements": statements})


def can_see_job(viewer: Viewer, view: str, published: bool) -> bool:
    """Mediators see every job; others see jobs run on their own view, or published ones."""
    if viewer.role == MEDIATOR:
        return True
    if viewer.role is None:
        return False
    return published or view == viewer.view_key


class _Cut:
    """What one non-mediator viewer may keep of a result computed on a wider view.

    Everything is an allowlist: a field a filter below does not name is dropped, so a field
    an analysis adds later reaches mediators only until someone decides it is safe.
    """

    def __init__(self, viewer: Viewer, scenario: Scenario):
        self.order = list(scenario.party_ids)
        self.parties = set(self.order)
        self.visible = visible_parties(viewer, scenario)
        hidden = self.parties - self.visible
        names = [p.name for p in scenario.parties if p.id in hidden]
        self._patterns = [re.compile(rf"\b{re.escape(x)}\b", re.IGNORECASE)
                          for x in (*sorted(hidden), *names) if x]

    @staticmethod
    def pick(obj: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        return {k: obj[k] for k in fields if k in obj}

    def own(self, obj: Any) -> dict[str, Any]:
        """A per-party mapping cut to the viewer's own party (nothing for observers)."""
        if not isinstance(obj, dict):
            return {}
        return {k: v for k, v in obj.items() if k in self.visible}

    def outcome(self, obj: Any) -> dict[str, Any]:
        """A per-party mapping of outcomes (utility of a package, whether a party accepts
        it): every party's scalar is kept, anything else under a party key is dropped."""
        if not isinstance(obj, dict):
            return {}
        return {k: v for k, v in obj.items()
                if k in self.parties and (v is None or isinstance(v, bool | int | float))}

    def text(self, obj: Any) -> str | None:
        """A sentence, unless it names a hidden party (by id or name)."""
        if not isinstance(obj, str) or any(p.search(obj) for p in self._patterns):
            return None
        return obj

    def texts(self, obj: Any) -> list[str]:
        if not isinstance(obj, list):
            return []
        return [t for t in map(self.text, obj) if t is not None]

    def acceptance_patterns(self, obj: Any) -> dict[str, float]:
        """Monte Carlo acceptance patterns ("ua+ru": the share of draws in which exactly ua
        and ru accept; "none": nobody does) summed over the hidden parties' part of each
        pattern: what is left says only how often the viewer's own party accepts."""
        out: dict[str, float] = {}
        if not isinstance(obj, dict) or not self.visible:
            return out
        for key, share in obj.items():
            if not isinstance(key, str) or not isinstance(share, int | float):
                continue
            members = set() if key == "none" else set(key.split("+"))
            kept = "+".join(p for p in self.order if p in members and p in self.visible)
            out[kept or "none"] = out.get(kept or "none", 0.0) + float(share)
        return {k: round(v, 12) for k, v in out.items()}


# Fields kept as they are, per result part. Per-party fields are handled by name below.
_SCORE_TOP = ("scenario", "title", "note", "parties_scored")
_PLAN_PUBLIC = ("id", "title", "choices", "all_accept")
_HIDDEN_PARTY = ("id", "name", "utility", "accepts")
_OWN_PARTY = ("id", "name", "utility", "reservation", "margin", "ideal", "accepts",
              "red_lines_crossed")
_REFERENCE_PUBLIC = ("choices", "moves", "engine", "optimal", "feasible")
_IMPROVEMENT_PUBLIC = ("choices", "changes", "engine", "optimal")
_SOLVE_PUBLIC = ("method", "engine", "optimal", "gap", "seconds", "feasible", "parties",
                 "tolerance", "via")
_ROBUST_TOP = ("scenario", "samples", "requested", "seed", "partial", "block_size", "plan")
_ROBUST_PACKAGE = ("label", "choices")


def _score_party(c: _Cut, v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        return {}
    if v.get("id") in c.visible:
        out = c.pick(v, _OWN_PARTY)
        out["reasons"] = c.texts(v.get("reasons"))
        return out
    return c.pick(v, _HIDDEN_PARTY)


def _reference(c: _Cut, ref: Any) -> dict[str, Any]:
    """A plan's distance to the Nash or Kalai-Smorodinsky package."""
    if not isinstance(ref, dict):
        return {}
    out = c.pick(ref, _REFERENCE_PUBLIC)
    if "utilities" in ref:
        out["utilities"] = c.outcome(ref["utilities"])
    if "distance" in ref:
        out["distance"] = c.own(ref["distance"])
    if (msg := c.text(ref.get("message"))) is not None:
        out["message"] = msg
    return out


def _plan_score(c: _Cut, plan: Any) -> dict[str, Any]:
    if not isinstance(plan, dict):
        return {}
    out = c.pick(plan, _PLAN_PUBLIC)
    out["parties"] = [_score_party(c, v) for v in plan.get("parties") or []]
    out["concessions"] = c.own(plan.get("concessions"))
    imp = plan.get("improvement")
    if isinstance(imp, dict):
        kept = c.pick(imp, _IMPROVEMENT_PUBLIC)
        kept["utilities"] = c.outcome(imp.get("utilities"))
        kept["gains"] = c.own(imp.get("gains"))
        out["improvement"] = kept
    elif "improvement" in plan:
        out["improvement"] = None
    out["notes"] = c.texts(plan.get("notes"))
    for method in ("nash", "ks"):
        if method in plan:
            out[method] = _reference(c, plan[method])
    return out


def _score_result(c: _Cut, r: dict[str, Any]) -> dict[str, Any]:
    out = c.pick(r, _SCORE_TOP)
    out["plans"] = [_plan_score(c, p) for p in r.get("plans") or []]
    return out


def _solve_result(c: _Cut, r: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "parties" in r:
        out["parties"] = r["parties"]
    s = r.get("solve")
    if isinstance(s, dict):
        kept = c.pick(s, _SOLVE_PUBLIC)
        kept["packages"] = [{"choices": p.get("choices"),
                             "utilities": c.outcome(p.get("utilities"))}
                            for p in s.get("packages") or [] if isinstance(p, dict)]
        kept["disagreement"] = c.own(s.get("disagreement"))
        if (msg := c.text(s.get("message"))) is not None:
            kept["message"] = msg
        out["solve"] = kept
    out["plans"] = [{"id": p.get("id"), "title": p.get("title"),
                     "utilities": c.outcome(p.get("utilities"))}
                    for p in r.get("plans") or [] if isinstance(p, dict)]
    return out


def _robust_package(c: _Cut, o: dict[str, Any]) -> dict[str, Any]:
    out = c.pick(o, _ROBUST_PACKAGE)
    out["accept"] = c.own(o.get("accept"))
    out["accept_ci95"] = c.own(o.get("accept_ci95"))
    stated = o.get("stated")
    if isinstance(stated, dict):
        out["stated"] = {"accepts": c.outcome(stated.get("accepts")),
                         "utility": c.outcome(stated.get("utility"))}
        if "all_accept" in stated:
            out["stated"]["all_accept"] = stated["all_accept"]
    out["utility"] = c.own(o.get("utility"))
    out["red_lines"] = c.own(o.get("red_lines"))
    patterns = c.acceptance_patterns(o.get("patterns"))
    if patterns:
        out["patterns"] = patterns
    return out


def _robustness_result(c: _Cut, r: dict[str, Any]) -> dict[str, Any]:
    out = c.pick(r, _ROBUST_TOP)
    if "label" in r:  # one package: its fields are at the top
        out.update(_robust_package(c, r))
    if isinstance(r.get("packages"), list):
        out["packages"] = [_robust_package(c, o) for o in r["packages"] if isinstance(o, dict)]
    out["uncertain"] = [t for t in c.texts(r.get("uncertain"))
                        if t.split(":", 1)[0] in c.visible]
    # the stated number each party's verdict hangs on: that party's preference
    out["hangs_on"] = c.own(r.get("hangs_on"))
    return out


_CALIBRATE_TOP = ("scenario", "seed", "samples")
_OBSERVATION = ("statement", "party", "plan", "stance", "issue", "confidence", "counted",
                "fits")


def _calibrate_result(c: _Cut, r: dict[str, Any]) -> dict[str, Any]:
    """A calibration (issue 19): the viewer's own party's observations, revision, acceptance
    under prior and posterior, intervals and red lines; nothing of another party's posterior
    (nor the agreement rates, which multiply every party's acceptance, nor the suggestions,
    which weigh every party's posterior). An observer keeps only the top-level facts."""
    out = c.pick(r, _CALIBRATE_TOP)
    out["status"] = c.own(r.get("status"))
    out["effective_samples"] = c.own(r.get("effective_samples"))
    obs = []
    for o in r.get("observations") or []:
        if isinstance(o, dict) and o.get("party") in c.visible:
            kept = c.pick(o, _OBSERVATION)
            for words in ("why", "not_counted"):
                if (t := c.text(o.get(words))) is not None:
                    kept[words] = t
            obs.append(kept)
    out["observations"] = obs
    out["revision"] = c.own(r.get("revision"))
    for which in ("prior", "posterior"):
        part = r.get(which)
        if isinstance(part, dict):
            out[which] = {key: {plan: c.own(per) for plan, per in _mapping(part.get(key)).items()}
                          for key in ("accept", "accept_ci95")}
    out["intervals"] = c.own(r.get("intervals"))
    out["red_lines"] = {rid: e for rid, e in _mapping(r.get("red_lines")).items()
                        if isinstance(e, dict) and e.get("owner") in c.visible}
    out["notes"] = [t for t in c.texts(r.get("notes")) if t.split(":", 1)[0] in c.visible]
    out["warnings"] = [t for t in c.texts(r.get("warnings"))
                       if t.split(":", 1)[0] in c.visible]
    return out


def _mapping(obj: Any) -> dict[str, Any]:
    return obj if isinstance(obj, dict) else {}


_RESULT_FILTERS = {"score": _score_result, "solve": _solve_result,
                   "robustness": _robustness_result, "calibrate": _calibrate_result}


def filter_result(payload: Any, viewer: Viewer, scenario: Scenario, view: str = "full",
                  kind: str = "") -> Any:
    """An analysis result of `kind` (score, solve, robustness, calibrate) as this viewer may see it.

    A result computed on the viewer's own view holds nothing else and passes unchanged, as
    does every result for the mediator. Of any other result a viewer keeps only the fields
    named in the allowlists above: the public parts (plans, packages' choices, method and
    engine), for every party the outcome (its utility for each package shown and whether it
    accepts), and the viewer's own party's detail. Dropped: hidden parties' preference-shaped
    fields (reservations, margins, red lines, concessions, distances, gains, Monte Carlo
    acceptance rates and utility spreads), numbers that mix hidden parties' preferences
    (Pareto efficiency, solver objectives, euclidean distances, everyone-accepts rates;
    acceptance patterns are summed down to the viewer's own party), sentences naming a
    hidden party, and every field of an unknown kind of result.
    """
    if viewer.role == MEDIATOR or view == viewer.view_key:
        return payload
    cut = _Cut(viewer, scenario)
    if cut.visible == cut.parties:
        return payload
    fn = _RESULT_FILTERS.get(kind)
    if fn is None or not isinstance(payload, dict):
        return {}
    return fn(cut, payload)


def problem_text(viewer: Viewer, lines: list[str]) -> list[str]:
    """Error details shown to the viewer: mediators see every line; others see only lines
    that cannot quote a hidden party's data (their own submission's problems are checked
    against their own view before this is ever needed)."""
    if viewer.role == MEDIATOR:
        return lines
    return ["the scenario cannot be saved in its current state; ask the mediator"]
