"""What the web workspace does, independent of HTTP: create, view, save, diff, export, score,
run and publish analyses. Every answer is cut to the viewer by `accord.web.policy`.

This module holds no analysis logic: scoring, solving, robustness and reports come from
`accord.evaluate`, `accord.solve`, `accord.uncertainty` and `accord.report`, imported when first
used so that starting the server does not load them.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from accord.io import limits
from accord.io.loader import dump_text, parse_text, read_data, scenario_to_data
from accord.model import ScenarioError, parse_scenario
from accord.model.scenario import Scenario
from accord.store import NotFound, Store, VersionConflict
from accord.store.models import User, VersionRow, utcnow
from accord.web import blocks, policy
from accord.web.jobs import Busy, JobRunner
from accord.web.policy import Forbidden, Viewer

MAX_TEXT = limits.MAX_TEXT_CHARS
"""Largest scenario text accepted (characters): the loader's limit, `accord.io.limits`."""
MIN_SAMPLES, MAX_SAMPLES = 10, 100_000
"""Monte Carlo draws an analysis (robustness, calibrate) may ask for; time is capped by
`accord.web.jobs.MAX_SECONDS`."""


@dataclass
class WebError(Exception):
    """An answer other than success: HTTP status, a one-line message, optional fields."""

    status: int
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


def _fmt_of(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith(".xml"):
        return "genius"
    return "yaml"


def _genius_to_scenario(text: str, filename: str, profiles: dict[str, str] | None) -> Scenario:
    """Genius XML (a domain file plus one utility-space file per party) via accord.io.genius."""
    import tempfile
    from pathlib import Path

    from accord.io.genius import GeniusError, import_genius

    if not profiles:
        raise WebError(422, "a Genius domain needs its profiles: give `profiles` as "
                       "{file name: XML text}, one per party")
    safe = re.compile(r"[^A-Za-z0-9_.-]")
    with tempfile.TemporaryDirectory(prefix="accord-genius-") as tmp:
        domain = Path(tmp) / (safe.sub("_", Path(filename).name) or "domain.xml")
        domain.write_text(text, encoding="utf-8")
        paths = []
        for k, (name, body) in enumerate(sorted(profiles.items())):
            path = Path(tmp) / f"{k:03d}-{safe.sub('_', Path(name).name) or 'profile.xml'}"
            path.write_text(body, encoding="utf-8")
            paths.append(path)
        ids = [safe.sub("_", Path(name).stem)[:40] or f"p{k}"
               for k, name in enumerate(sorted(profiles))]
        try:
            return import_genius(domain, paths, party_ids=ids)
        except (GeniusError, ScenarioError, ValueError, OSError) as exc:
            raise WebError(422, f"the Genius files cannot be read: {exc}".replace(tmp, "")) \
                from None


class Workspace:
    """The workspace over one store, with a cache of parsed versions (versions never change)."""

    def __init__(self, store: Store, jobs: JobRunner):
        self.store = store
        self.jobs = jobs
        self._cache: OrderedDict[tuple[int, int], tuple[VersionRow, Scenario]] = OrderedDict()
        self._stored_warnings: dict[tuple[int, int], list[str]] = {}
        self._scores: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        # Scorings kept; ACCORD_SCORE_CACHE=0 turns the cache off (benchmarks/web_load.py
        # --uncached measures the scoring itself).
        self.score_cache = int(os.environ.get("ACCORD_SCORE_CACHE", "256"))
        self._flights: dict[tuple[Any, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    # reading -------------------------------------------------------------------------------
    def viewer(self, user: User, scenario_id: int) -> Viewer:
        """The user as seen from the scenario; 404 for non-members, so ids reveal nothing."""
        m = self.store.membership(scenario_id, user.id)
        if m is None:
            raise WebError(404, f"no scenario {scenario_id}")
        return Viewer(user.id, user.username, m.role, m.party, user.is_admin)

    def load(self, scenario_id: int, number: int | None = None) -> tuple[VersionRow, Scenario]:
        try:
            row = self.store.version(scenario_id, number)
        except NotFound:
            raise WebError(404, f"no version {number} of scenario {scenario_id}"
                           if number is not None else f"no scenario {scenario_id}") from None
        key = (scenario_id, row.number)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0].sha256 == row.sha256:
                self._cache.move_to_end(key)
                return hit
        # A version saved before the id rule still loads; its warnings say how to fix the ids.
        scenario, warnings = parse_text(
            row.text, f"scenario.{'json' if row.fmt == 'json' else 'yaml'}", stored=True)
        with self._lock:
            self._cache[key] = (row, scenario)
            self._stored_warnings[key] = [str(w) for w in warnings
                                          if "stored before the id rule" in w.message]
            while len(self._cache) > 64:
                old, _ = self._cache.popitem(last=False)
                self._stored_warnings.pop(old, None)
        return row, scenario

    def view(self, viewer: Viewer, scenario_id: int, number: int | None = None) -> dict[str, Any]:
        """The scenario as the viewer may see it, with version and role."""
        policy.require(viewer, "view")
        row, scenario = self.load(scenario_id, number)
        meta = self.store.scenario(scenario_id)
        seen = policy.filter_scenario(scenario, viewer)
        return {
            "id": scenario_id,
            "name": meta.name,
            "title": seen.title,
            "version": row.number,
            "current_version": meta.current_version,
            "role": viewer.role,
            "party": viewer.party,
            "scenario": scenario_to_data(seen),
            # Ids are shared, so every member may see how to fix them; only a mediator can.
            "warnings": list(self._stored_warnings.get((scenario_id, row.number), [])),
        }

    def view_text(self, viewer: Viewer, scenario_id: int, number: int | None = None,
                  fmt: str = "yaml") -> str:
        """Scenario file text: the stored text for mediators (comments kept), else a dump of
        the viewer's filtered view (comments could quote anything, so they are dropped)."""
        policy.require(viewer, "download_scenario")
        row, scenario = self.load(scenario_id, number)
        if viewer.is_mediator and (row.fmt == fmt or fmt == "raw"):
            return row.text
        return dump_text(policy.filter_scenario(scenario, viewer), "json" if fmt == "json"
                         else "yaml")

    def history(self, viewer: Viewer, scenario_id: int) -> list[dict[str, Any]]:
        """Every version; a version's message is shown to the mediators and to its author,
        or to everyone when a mediator wrote it (a delegate's message may quote its
        preferences)."""
        policy.require(viewer, "view")
        mediators = {m.user_id for m, _ in self.store.members(scenario_id)
                     if m.role == policy.MEDIATOR}

        def shown(v: VersionRow) -> str | None:
            if viewer.is_mediator or v.author_id == viewer.user_id or v.author_id in mediators:
                return v.message
            return None

        return [{"version": v.number, "author": who, "message": shown(v),
                 "created_at": _when(v.created_at)}
                for v, who in self.store.versions(scenario_id)]

    def diff(self, viewer: Viewer, scenario_id: int, a: int, b: int) -> str:
        """Unified diff of two versions as this viewer sees them."""
        ta = self.view_text(viewer, scenario_id, a)
        tb = self.view_text(viewer, scenario_id, b)
        return "".join(difflib.unified_diff(ta.splitlines(keepends=True),
                                            tb.splitlines(keepends=True),
                                            fromfile=f"version {a}", tofile=f"version {b}"))

    # writing -------------------------------------------------------------------------------
    def _parse_upload(self, text: str, filename: str,
                      profiles: dict[str, str] | None = None) -> tuple[Scenario, str, str]:
        if len(text) > MAX_TEXT:
            raise WebError(413, "scenario text is too large")
        if "\x00" in text:
            raise WebError(422, "binary data, not a scenario text")
        fmt = _fmt_of(filename)
        try:
            if fmt == "genius":
                scenario = _genius_to_scenario(text, filename, profiles)
                text, fmt = dump_text(scenario, "yaml"), "yaml"
            else:
                scenario, _ = parse_text(text, f"scenario.{fmt}")
        except ScenarioError as exc:
            raise WebError(422, "the scenario has problems",
                           {"problems": [str(p) for p in exc.problems]}) from None
        return scenario, text, fmt

    def create(self, user: User, text: str, filename: str = "scenario.yaml",
               profiles: dict[str, str] | None = None) -> dict[str, Any]:
        scenario, text, fmt = self._parse_upload(text, filename, profiles)
        row = self.store.create_scenario(scenario.scenario, scenario.title, text, fmt, user.id)
        return {"id": row.id, "name": row.name, "version": 1}

    def save(self, viewer: Viewer, scenario_id: int, text: str, base_version: int,
             filename: str = "scenario.yaml", message: str = "") -> dict[str, Any]:
        """The mediator replaces the scenario text (issues, plans, everything)."""
        policy.require(viewer, "edit_scenario")
        scenario, text, fmt = self._parse_upload(text, filename)
        new = self._commit(viewer, scenario_id, base_version, text, fmt,
                           message or "edited the scenario", scenario,
                           action="scenario.save", detail="edited the scenario text",
                           submitted=text)
        return {"id": scenario_id, "version": new}

    def _commit(self, viewer: Viewer, scenario_id: int, base: int, text: str, fmt: str,
                message: str, scenario: Scenario, action: str, detail: str,
                submitted: Any, base_sha256: str | None = None) -> int:
        """Save; on conflict answer 409 with the caller's own submission (never the merged
        text, which holds other parties' preferences) so nothing typed is lost."""
        try:
            return self.store.save_version(scenario_id, base, text, fmt, viewer.user_id,
                                           message[:500], title=scenario.title,
                                           name=scenario.scenario, action=action,
                                           detail=detail, base_sha256=base_sha256)
        except VersionConflict as exc:
            raise self._conflict(base, exc.current, submitted) from None

    def _base(self, scenario_id: int, base_version: int, submitted: Any) -> VersionRow:
        """The version an edit claims to extend, which must be the newest (else 409)."""
        current = self.store.scenario(scenario_id).current_version
        if base_version != current:
            raise self._conflict(base_version, current, submitted)
        try:
            return self.store.version(scenario_id, base_version)
        except NotFound:
            raise WebError(404, f"no scenario {scenario_id}") from None

    @staticmethod
    def _conflict(base: int, current: int, submitted: Any) -> WebError:
        return WebError(409, f"version {base} is not the newest: the newest is version "
                        f"{current}; nothing was lost, reload and apply your change again",
                        {"current_version": current, "your_text": submitted})

    def save_preferences(self, viewer: Viewer, scenario_id: int, party: str,
                         prefs: Any, base_version: int, message: str = "",
                         party_fields: dict[str, Any] | None = None) -> dict[str, Any]:
        """A delegate (or the mediator) replaces one party's preferences block.

        The new text is built from the version the edit claims to extend, and the store
        saves it only while that version is still the newest (checked inside the save's
        transaction, with the base text's hash), so a save never lands on top of a version
        its author did not see. The submission is checked against the viewer's own view
        first, so any problem shown concerns only what the viewer may see; the rest of the
        stored text, comments included, is kept byte for byte (`accord.web.blocks`).
        `party_fields` sets the party's own fields on its entry under `parties` too
        (walk-away, capability, note, basis): part of its confidential position.
        """
        policy.require(viewer, "edit_preferences", party)
        submitted = prefs
        if isinstance(prefs, str) and len(prefs) > MAX_TEXT:
            raise WebError(413, "preferences text is too large")
        row = self._base(scenario_id, base_version, submitted)
        _, full = self.load(scenario_id, row.number)
        if party not in full.party_ids:
            raise WebError(422, f"no party {party!r} in this scenario")
        written: str | None = prefs if isinstance(prefs, str) else None
        if isinstance(prefs, str):
            try:
                prefs, _ = read_data(prefs, "preferences.yaml")
            except ScenarioError as exc:
                raise WebError(422, "the preferences have problems",
                               {"problems": [str(p) for p in exc.problems]}) from None
        if not isinstance(prefs, dict):
            raise WebError(422, "preferences must be a mapping with weights and values")
        if not viewer.is_mediator:
            changed = _analyst_beliefs_changed(full.preferences.get(party), prefs)
            if changed:
                raise WebError(422, f"{changed} is the analysis team's belief, set by the "
                               "mediator; fix: leave it as it is (ask the mediator to change it)")
        fields = dict(party_fields or {})  # a None removes the field (e.g. clears the note)
        if set(fields) - set(blocks.PARTY_FIELDS):
            raise WebError(422, "party_fields may set only: " + ", ".join(blocks.PARTY_FIELDS))
        seen = scenario_to_data(policy.filter_scenario(full, viewer))
        seen.setdefault("preferences", {})[party] = prefs
        for entry in seen.get("parties", []):
            if entry.get("id") == party:
                entry.update({k: v for k, v in fields.items() if v is not None})
                for k in [k for k, v in fields.items() if v is None]:
                    entry.pop(k, None)
        _unscored_stances(seen)
        try:
            parse_scenario(json.loads(json.dumps(seen, default=str)), file="preferences")
        except ScenarioError as exc:
            problems = [str(p) for p in exc.problems]
            raise WebError(422, "the preferences have problems",
                           {"problems": problems}) from None
        except (TypeError, ValueError) as exc:
            raise WebError(422, f"the preferences cannot be read: {type(exc).__name__}") from None
        try:
            text = blocks.replace_preferences(row.text, row.fmt, party, prefs, written, fields)
        except blocks.BlockError as exc:
            raise WebError(422, str(exc)) from None
        try:
            scenario, _ = parse_text(text, f"scenario.{row.fmt}")
        except ScenarioError as exc:
            raise WebError(422, "the preferences cannot be saved",
                           {"problems": policy.problem_text(
                               viewer, [str(p) for p in exc.problems])}) from None
        new = self._commit(viewer, scenario_id, base_version, text, row.fmt,
                           message or f"edited preferences of {party}", scenario,
                           action="preferences.save", detail=f"edited preferences of {party}",
                           submitted=submitted, base_sha256=row.sha256)
        return {"id": scenario_id, "version": new}

    # members -------------------------------------------------------------------------------
    def members(self, viewer: Viewer, scenario_id: int) -> list[dict[str, Any]]:
        policy.require(viewer, "view_members")
        return [{"username": name, "role": m.role, "party": m.party}
                for m, name in self.store.members(scenario_id)]

    def set_member(self, viewer: Viewer, scenario_id: int, username: str, role: str,
                   party: str | None) -> dict[str, Any]:
        policy.require(viewer, "manage_members")
        if role not in (policy.MEDIATOR, policy.DELEGATE, policy.OBSERVER):
            raise WebError(422, "role must be mediator, delegate or observer")
        _, scenario = self.load(scenario_id)
        if role == policy.DELEGATE:
            if not party or party not in scenario.party_ids:
                raise WebError(422, "a delegate needs the id of one party of this scenario: "
                               + ", ".join(scenario.party_ids))
        else:
            party = None
        # Invitations add people (issue 18); this only changes a member's role. Unknown
        # names and users who are not members get one and the same answer, so the answer
        # does not reveal whether a user name exists (issue 17).
        user = self.store.user_by_name(username)
        if user is None or self.store.membership(scenario_id, user.id) is None:
            raise WebError(404, "no such member; invite new members with a link")
        if user.id == viewer.user_id and role != policy.MEDIATOR:
            raise WebError(409, "you cannot demote yourself; ask another mediator")
        # checked again inside the store's transaction: a member removed meanwhile is not
        # added back
        if self.store.set_member(scenario_id, user.id, role, party, viewer.user_id, username,
                                 only_existing=True) is None:
            raise WebError(404, "no such member; invite new members with a link")
        return {"username": username, "role": role, "party": party}

    def remove_member(self, viewer: Viewer, scenario_id: int, username: str) -> None:
        policy.require(viewer, "manage_members")
        # One answer for unknown names and non-members, as in set_member.
        user = self.store.user_by_name(username)
        if user is not None and user.id == viewer.user_id:
            raise WebError(409, "you cannot remove yourself")
        if user is None or not self.store.remove_member(scenario_id, user.id, viewer.user_id,
                                                        username):
            raise WebError(404, "no such member")

    def audit(self, viewer: Viewer, scenario_id: int) -> list[dict[str, Any]]:
        policy.require(viewer, "view_audit")
        return [{"at": e.at.isoformat() if e.at else None, "user": who, "action": e.action,
                 "detail": e.detail} for e, who in self.store.audit_log(scenario_id)]

    # analyses ------------------------------------------------------------------------------
    def _scenario_for(self, viewer: Viewer, scenario_id: int) -> tuple[int, Scenario]:
        row, scenario = self.load(scenario_id)
        return row.number, policy.filter_scenario(scenario, viewer)

    def score(self, viewer: Viewer, scenario_id: int, plans: list[str] | None = None,
              improvement: bool = True) -> dict[str, Any]:
        """Score plans on the viewer's view (a delegate scores only its own party)."""
        policy.require(viewer, "run_score")
        version, scenario = self._scenario_for(viewer, scenario_id)
        known = [p.id for p in scenario.plans]
        for pid in plans or []:
            if pid not in known:
                raise WebError(422, f"no plan {pid!r}; known plans: {', '.join(known)}")
        # One cache entry per set of plans: duplicates and order do not make a new request.
        plans = [p for p in known if p in set(plans)] if plans else None
        if not scenario.preferences:
            raise WebError(422, "no party has preferences in your view, nothing to score")
        # Versions never change and scoring is deterministic, so one computation per
        # (version, view, request) serves every later identical request; concurrent
        # identical requests wait for the first instead of computing again.
        key = (scenario_id, version, viewer.view_key, tuple(plans or ()), improvement)
        with self._lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                hit = self._scores.get(key)
            if hit is None:
                hit = run_score(scenario, plans, improvement)
                with self._lock:
                    self._scores[key] = hit
                    while len(self._scores) > self.score_cache:
                        old, _ = self._scores.popitem(last=False)
                        self._flights.pop(old, None)
        out = dict(hit)
        out["version"] = version
        return out

    def start_job(self, viewer: Viewer, scenario_id: int, kind: str,
                  params: dict[str, Any]) -> dict[str, Any]:
        action = {"score": "run_score", "solve": "run_solve", "robustness": "run_robustness",
                  "calibrate": "run_calibrate"}.get(kind)
        if action is None:
            raise WebError(422, "kind must be score, solve, robustness or calibrate")
        policy.require(viewer, action)
        version, scenario = self._scenario_for(viewer, scenario_id)
        if not scenario.preferences:
            raise WebError(422, "no party has preferences in your view, nothing to analyse")
        fn = _job_function(kind, scenario, params)
        job = self.store.create_job(scenario_id, version, kind, json.dumps(params),
                                    viewer.view_key, viewer.user_id)
        try:
            self.jobs.submit(job.id, fn)
        except Busy as exc:
            self.store.update_job(job.id, status="failed", error=str(exc), finished_at=utcnow())
            raise WebError(503, f"{exc}; retry when some have finished") from None
        return {"id": job.id, "status": "queued", "kind": kind, "version": version}

    def _job_dict(self, viewer: Viewer, job: Any, scenario: Scenario,
                  with_result: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": job.id, "kind": job.kind, "version": job.version, "status": job.status,
            "progress": round(float(job.progress), 3), "published": bool(job.published),
            "params": json.loads(job.params or "{}"),
            "view": job.view if viewer.is_mediator else None,
            "created_at": _when(job.created_at), "finished_at": _when(job.finished_at),
            "error": job.error if viewer.is_mediator or job.view == viewer.view_key
            else (None if job.error is None else "the analysis failed"),
        }
        if with_result and job.result is not None:
            out["result"] = policy.filter_result(json.loads(job.result), viewer, scenario,
                                                 job.view, job.kind)
        return out

    def jobs_of(self, viewer: Viewer, scenario_id: int) -> list[dict[str, Any]]:
        policy.require(viewer, "view")
        _, scenario = self.load(scenario_id)
        return [self._job_dict(viewer, j, scenario, False) for j in self.store.jobs(scenario_id)
                if policy.can_see_job(viewer, j.view, j.published)]

    def _visible_job(self, viewer: Viewer, scenario_id: int, job_id: int) -> Any:
        """The job row if the viewer may see it; 404 alike for missing and hidden jobs."""
        try:
            job = self.store.job(scenario_id, job_id)
        except NotFound:
            raise WebError(404, f"no job {job_id}") from None
        if not policy.can_see_job(viewer, job.view, job.published):
            raise WebError(404, f"no job {job_id}")
        return job

    def job(self, viewer: Viewer, scenario_id: int, job_id: int) -> dict[str, Any]:
        policy.require(viewer, "view")
        job = self._visible_job(viewer, scenario_id, job_id)
        _, scenario = self.load(scenario_id, job.version)
        return self._job_dict(viewer, job, scenario, True)

    def rerun(self, viewer: Viewer, scenario_id: int, job_id: int) -> dict[str, Any]:
        """A failed or interrupted analysis again, with the same parameters, on the current
        version (the viewer's own view, like any job it starts)."""
        job = self._visible_job(viewer, scenario_id, job_id)
        if job.status not in ("failed", "interrupted"):
            raise WebError(409, f"job {job_id} is {job.status}; only failed or interrupted "
                           "analyses are re-run")
        out = self.start_job(viewer, scenario_id, job.kind, json.loads(job.params or "{}"))
        out["rerun_of"] = job_id
        return out

    def publish(self, viewer: Viewer, scenario_id: int, job_id: int,
                published: bool) -> dict[str, Any]:
        policy.require(viewer, "publish")
        try:
            self.store.publish_job(scenario_id, job_id, published, viewer.user_id)
        except NotFound:
            raise WebError(404, f"no job {job_id}") from None
        return {"id": job_id, "published": published}

    def report(self, viewer: Viewer, scenario_id: int) -> str:
        """The self-contained HTML report of the whole scenario, from accord.report (mediators
        only: a report compares the parties, so there is no report of one party's view)."""
        policy.require(viewer, "download_report")
        from accord.report import build_report

        _, scenario = self._scenario_for(viewer, scenario_id)
        try:
            return str(build_report(scenario))
        except Exception as exc:  # e.g. fewer than two scored parties: a 422, not a 500
            raise WebError(422, f"the report could not be built: {type(exc).__name__}: {exc}")\
                from None


STANCE_FIELDS = ("stance", "confidence", "objects_to", "supersedes")


def _unscored_stances(data: dict[str, Any]) -> None:
    """Drop the stance fields of statements by parties whose preferences the view lacks.

    A stance needs a party with preferences (accord.model.validate), so a delegate's view, in
    which only its own party has preferences, fails validation on the other parties' reactions
    and would refuse every save. The stored text keeps them: only this check ignores them.
    """
    scored = set(data.get("preferences") or {})
    for st in data.get("statements") or []:
        if not isinstance(st, dict):
            continue
        by = st.get("by")
        parties = {by} if isinstance(by, str) else set(by or [])
        if not parties & scored:
            for key in STANCE_FIELDS:
                st.pop(key, None)


def _analyst_beliefs_changed(stored: Any, submitted: dict[str, Any]) -> str | None:
    """What a delegate's save would change among the analysts' beliefs about its party (issue
    14): the `uncertainty` block and each red line's `probability`. Red lines are matched by
    issue and forbidden options; a new one keeps the default probability 1. None: unchanged
    (or the block is malformed, which validation reports after this)."""
    from pydantic import ValidationError

    from accord.model.scenario import Preferences

    try:
        new = Preferences.model_validate(submitted)
    except ValidationError:
        return None
    if new.uncertainty != (stored.uncertainty if stored is not None else None):
        return "`uncertainty`"
    old = {(r.issue, tuple(map(str, r.forbid))): r.probability
           for r in (stored.red_lines if stored is not None else [])}
    for k, r in enumerate(new.red_lines):
        if r.probability != old.get((r.issue, tuple(map(str, r.forbid))), 1.0):
            return f"`red_lines[{k}].probability`"
    return None


def _when(at: Any) -> str | None:
    """A stored time as ISO 8601 with its offset (the store writes UTC; SQLite drops the
    zone, so a naive time is UTC)."""
    if at is None:
        return None
    import datetime as dt

    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return str(at.isoformat())


def run_score(scenario: Scenario, plans: list[str] | None, improvement: bool) -> dict[str, Any]:
    """accord.evaluate's analysis, with the solvers' extras (distance to the Nash and
    Kalai-Smorodinsky packages)."""
    from accord.evaluate import analyze

    result = analyze(scenario, plans or None, find_improvement=improvement,
                     references=improvement)
    return _plain(result.to_dict())


def _plain(obj: Any) -> Any:
    """numpy scalars and dates to JSON types."""
    return json.loads(json.dumps(obj, default=_default))


def _default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def _job_function(kind: str, scenario: Scenario, params: dict[str, Any]) -> Any:
    """A callable(progress) for the job runner; checks the parameters before queueing."""
    if kind == "score":
        plans = params.get("plans")
        if plans is not None and not (isinstance(plans, list)
                                      and all(isinstance(p, str) for p in plans)):
            raise WebError(422, "plans must be a list of plan ids")
        known = {p.id for p in scenario.plans}
        if plans and any(p not in known for p in plans):
            raise WebError(422, "unknown plan id")
        return lambda progress: run_score(scenario, plans, True)
    if kind == "solve":
        from accord.solve import METHODS, solve

        method = str(params.get("method", "nash"))
        if method not in METHODS:
            raise WebError(422, f"method must be one of: {', '.join(METHODS)}")
        top = params.get("top", 1)
        if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= 20:
            raise WebError(422, "top must be an integer from 1 to 20")
        parties = params.get("parties") or None
        scored = scenario.scored_party_ids
        if parties is not None and (not isinstance(parties, list) or len(set(parties)) < 2
                                    or any(p not in scored for p in parties)):
            raise WebError(422, "parties must name at least two parties with preferences: "
                           + ", ".join(scored))
        if len(parties or scored) < 2:
            raise WebError(422, "solving needs at least two parties with preferences")
        red = bool(params.get("red_lines", True))
        ir = bool(params.get("individual_rationality", True))
        plan = params.get("plan")
        if method == "maxmin-gain" and plan not in {p.id for p in scenario.plans}:
            raise WebError(422, "maxmin-gain needs `plan`: the baseline plan's id")

        def run_solve(progress: Any) -> dict[str, Any]:
            from accord.model import compile_scenario

            model = compile_scenario(scenario)
            progress(0.2)
            baseline = (model.encode(dict(scenario.plan(str(plan)).choices))
                        if method == "maxmin-gain" else None)
            result = solve(model, method=method, parties=parties, top=top,
                           respect_red_lines=red, individual_rationality=ir,
                           baseline=baseline)
            progress(0.8)
            plans = run_score(scenario, None, False)
            return _plain({"solve": result.to_dict(), "parties": list(parties or scored),
                           "plans": [{"id": p["id"],
                                      "title": p.get("title"),
                                      "utilities": {v["id"]: v["utility"]
                                                    for v in p.get("parties", [])}}
                                     for p in plans["plans"]]})

        return run_solve
    samples, seed = _draws(params)
    if kind == "calibrate":
        return _calibrate_job(scenario, samples, seed)
    # robustness: Monte Carlo verdicts on one plan (accord.uncertainty)
    from accord.uncertainty import plan_robustness

    plan = params.get("plan") or (scenario.plans[0].id if scenario.plans else None)
    if plan is None or plan not in {p.id for p in scenario.plans}:
        raise WebError(422, "robustness needs the id of one plan of the scenario")

    def run_robust(progress: Any) -> dict[str, Any]:
        from accord.uncertainty.sensitivity import verdict_hinges

        result = plan_robustness(scenario, plan, samples, seed,
                                 progress=lambda done, total: progress(done / max(total, 1)))
        # which single stated number each party's verdict hangs on (exact, cheap)
        return _plain({**result.to_dict(), "plan": plan,
                       "hangs_on": verdict_hinges(scenario, plan)})

    return run_robust


def _draws(params: dict[str, Any]) -> tuple[int, int]:
    """The Monte Carlo parameters of an analysis, within the caps."""
    samples = params.get("samples", 1000)
    if not isinstance(samples, int) or isinstance(samples, bool) \
            or not MIN_SAMPLES <= samples <= MAX_SAMPLES:
        raise WebError(422, f"samples must be an integer from {MIN_SAMPLES} to {MAX_SAMPLES}")
    seed = params.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise WebError(422, "seed must be an integer from 0 to 4294967295")
    return samples, seed


def _calibrate_job(scenario: Scenario, samples: int, seed: int) -> Any:
    """What the parties' reactions say (accord.calibrate), as `accord calibrate --format json`
    prints it; refused before queueing when there is nothing to calibrate on."""
    from accord.calibrate import NoStances, calibrate, observations

    if not scenario.plans:
        raise WebError(422, "calibration needs plans for the statements to react to")
    if not any(o.kind == "stance" for o in observations(scenario)):
        raise WebError(422, "no statement has a stance: add `stance: accepts|rejects|basis` "
                       "and `about: PLAN` to the parties' statements")

    def run_calibrate(progress: Any) -> dict[str, Any]:
        progress(0.1)
        try:
            result = calibrate(scenario, samples=samples, seed=seed)
        except NoStances as exc:  # checked above; kept for a scenario that changes shape
            raise ValueError(str(exc)) from None
        progress(0.95)
        return _plain(result.to_dict())

    return run_calibrate


__all__ = ["Forbidden", "WebError", "Workspace"]
