"""The preference form (issue 18): a delegate states its preferences without YAML.

A plain HTML form, rendered and read on the server, so it works without JavaScript; the little
script in `static/prefs.js` only shows percentages as sliders move and asks the server for a
live preview. The form holds one weight per issue (percentages), a value table per issue
(0 to 1 for each option), a red-line checkbox per option, the walk-away and the note.

`block_from_form` turns the posted fields into the party's preferences block (the numbers as
typed: "50" stays 50) plus its party fields; saving hands that block to ONE call,
`Workspace.save_preferences`, which is the only code that writes scenario text. A preview
scores the current plans for this party alone, on the viewer's own view, with accord.evaluate.
On a 409 the form comes back with the delegate's edits, the diff of what changed meanwhile
(as this viewer may see it) and a button that applies the edits to the newest version.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from accord.io.loader import dump_text, read_data, scenario_to_data
from accord.model import ScenarioError, parse_scenario
from accord.model.scenario import Scenario
from accord.store.models import User
from accord.web import policy, security
from accord.web.policy import Viewer
from accord.web.service import WebError, Workspace

MAX_ID = 2**31 - 1
MAX_BODY = 256_000
ScenarioId = Annotated[int, Path(ge=1, le=MAX_ID)]
Party = Annotated[str, Path(max_length=64)]
_INT = re.compile(r"[+-]?\d{1,15}")


@dataclass
class FormState:
    """What the form shows: for each issue its weight and option values as text (so a typo
    comes back as typed), the red-line checks, the walk-away and the note."""

    weights: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    red: dict[str, set[str]] = field(default_factory=dict)
    reservation: str = ""
    note: str = ""


def _num_text(x: float | int) -> str:
    """A stored number as the form shows it: whole numbers without ".0", others in full."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def state_from_scenario(scenario: Scenario, party: str) -> FormState:
    """The saved preferences as form text; weights shown as percentages of their sum."""
    st = FormState()
    prefs = scenario.preferences.get(party)
    total = sum(prefs.weights.values()) if prefs else 0.0
    for issue in scenario.issues:
        w = prefs.weights.get(issue.id, 0.0) if prefs else 0.0
        st.weights[issue.id] = _num_text(round(100 * w / total, 1)) if total > 0 else "0"
        table = prefs.values.get(issue.id, {}) if prefs else {}
        st.values[issue.id] = {str(o): _num_text(table[str(o)]) if str(o) in table else ""
                               for o in issue.options}
        st.red[issue.id] = {str(o) for r in (prefs.red_lines if prefs else [])
                            if r.issue == issue.id for o in r.forbid}
    entry = next((p for p in scenario.parties if p.id == party), None)
    if entry is not None:
        st.reservation = "" if entry.reservation is None else _num_text(entry.reservation)
        st.note = entry.note or ""
    return st


def state_from_form(scenario: Scenario, form: dict[str, list[str]]) -> FormState:
    """The posted fields, by issue and option index (ids may hold any character)."""
    st = FormState()

    def one(key: str) -> str:
        return (form.get(key) or [""])[-1].strip()[:5000]

    for i, issue in enumerate(scenario.issues):
        st.weights[issue.id] = one(f"w.{i}")
        st.values[issue.id] = {str(o): one(f"v.{i}.{j}") for j, o in enumerate(issue.options)}
        st.red[issue.id] = {str(o) for j, o in enumerate(issue.options)
                            if one(f"r.{i}.{j}") in ("on", "1", "true")}
    st.reservation = one("reservation")
    st.note = (form.get("note") or [""])[-1][:5000]
    return st


def _number(text: str, what: str, problems: list[str]) -> float | int | None:
    """The number as typed: an integer stays an integer."""
    t = text.replace(",", ".").rstrip("%").strip()
    try:
        x: float | int = int(t) if _INT.fullmatch(t) else float(t)
    except ValueError:
        problems.append(f"{what}: {text!r} is not a number")
        return None
    if not math.isfinite(x):
        problems.append(f"{what}: give a finite number")
        return None
    return x


def block_from_form(scenario: Scenario, party: str, st: FormState
                    ) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(preferences block, party fields, problems) from the form. Fields the form does not
    show (uncertainty, basis, rationale, per-issue notes, red lines' notes) are kept from the
    saved block."""
    problems: list[str] = []
    old = scenario.preferences.get(party)
    block: dict[str, Any] = old.model_dump(mode="json", exclude_none=True,
                                           exclude_defaults=True) if old else {}
    weights: dict[str, float | int] = {}
    values: dict[str, dict[str, float | int]] = {}
    red_lines: list[dict[str, Any]] = []
    kept = {r.issue: r for r in (old.red_lines if old else [])}
    for issue in scenario.issues:
        w = _number(st.weights.get(issue.id, "") or "0", f"weight of {issue.name}", problems)
        if w is not None and w < 0:
            problems.append(f"weight of {issue.name}: give 0 or more")
        table: dict[str, float | int] = {}
        for opt in issue.options:
            text = st.values.get(issue.id, {}).get(str(opt), "")
            if not text:
                if w:
                    problems.append(f"value of {issue.name} = {opt}: give a number from 0 to 1")
                continue
            v = _number(text, f"value of {issue.name} = {opt}", problems)
            if v is not None and not 0 <= v <= 1:
                problems.append(f"value of {issue.name} = {opt}: {text} is outside 0 to 1")
            if v is not None:
                table[str(opt)] = v
        if w is not None and (w or table):
            weights[issue.id] = w
        if table:
            values[issue.id] = table
        forbid = [o for o in issue.options if str(o) in st.red.get(issue.id, set())]
        if forbid:
            line: dict[str, Any] = {"issue": issue.id, "forbid": forbid}
            if issue.id in kept:
                prev = kept[issue.id].model_dump(mode="json", exclude_none=True,
                                                 exclude_defaults=True)
                line.update({k: v for k, v in prev.items() if k in ("basis", "note")})
            red_lines.append(line)
    if weights and not any(weights.values()):
        problems.append("weights: give at least one issue a weight above 0")
    block["weights"], block["values"] = weights, values
    if red_lines:
        block["red_lines"] = red_lines
    else:
        block.pop("red_lines", None)
    fields: dict[str, Any] = {"note": st.note.strip() or None, "reservation": None}
    if st.reservation:
        r = _number(st.reservation, "walk-away", problems)
        if r is not None and not 0 <= r <= 1:
            problems.append(f"walk-away: {st.reservation} is outside 0 to 1")
        fields["reservation"] = r
    return block, fields, problems


def edited_scenario(seen: Scenario, party: str, block: dict[str, Any],
                    fields: dict[str, Any]) -> Scenario:
    """The viewer's view with this party's block and fields replaced and every other party's
    preferences dropped (the preview scores this party alone)."""
    data = scenario_to_data(seen)
    data["preferences"] = {party: block}
    for entry in data.get("parties") or []:
        if entry.get("id") == party:
            for k, v in fields.items():
                if v is None:
                    entry.pop(k, None)
                else:
                    entry[k] = v
    scenario, _ = parse_scenario(json.loads(json.dumps(data, default=str)), file="preferences")
    return scenario


def score_for(scenario: Scenario, party: str) -> dict[str, dict[str, Any]]:
    """Per plan: this party's utility, whether it accepts, and red lines crossed."""
    from accord.evaluate import analyze

    if party not in scenario.preferences or not scenario.plans:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for plan in analyze(scenario, None, find_improvement=False).to_dict()["plans"]:
        mine = next((p for p in plan["parties"] if p["id"] == party), None)
        if mine is None:
            continue
        u, acc = mine["utility"], mine["accepts"]
        row: dict[str, Any] = {"red_lines": [f"{r['issue']} = {r['option']}"
                                             for r in mine["red_lines_crossed"]]}
        if isinstance(u, dict):  # a plan with open issues: a range, accepts in all/some/none
            row.update(utility=float(u["low"]), high=float(u["high"]), accepts=acc == "all",
                       verdict=str(acc))
        else:
            row.update(utility=float(u), accepts=bool(acc))
        out[plan["id"]] = row
    return out


def preview(seen: Scenario, party: str, st: FormState) -> dict[str, Any]:
    """What the current plans give this party: saved numbers against edited numbers."""
    block, fields, problems = block_from_form(seen, party, st)
    now = score_for(seen, party) if party in seen.preferences else {}
    edited: dict[str, dict[str, Any]] = {}
    if not problems:
        try:
            edited = score_for(edited_scenario(seen, party, block, fields), party)
        except ScenarioError as exc:
            problems = [str(p) for p in exc.problems]
    rows = [{"id": p.id, "title": p.title, "now": now.get(p.id), "edited": edited.get(p.id)}
            for p in seen.plans]
    return {"plans": rows, "problems": problems}


def stored_block(row: Any, party: str) -> str:
    """The party's block as stored (the numbers as typed, not normalised), without comments:
    a comment near the block's end may belong to the next party's block."""
    data, _ = read_data(row.text, f"scenario.{'json' if row.fmt == 'json' else 'yaml'}")
    block = (data.get("preferences") or {}).get(party) if isinstance(data, dict) else None
    if not isinstance(block, dict):
        return "weights: {}\nvalues: {}\n"
    return dump_text(json.loads(json.dumps(block, default=str)))


def register_prefs_form(app: FastAPI, ws: Workspace, templates: Jinja2Templates,
                        current_user: Callable[..., User],
                        session_of: Callable[[Request], tuple[User, str] | None]) -> None:
    """Add the form page, its POST (preview / save) and the live-preview route."""

    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
        found = session_of(request)
        ctx.setdefault("user", found[0] if found else None)
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    def open_form(request: Request, scenario_id: int, party: str
                  ) -> tuple[User, str, Viewer, Any, Scenario]:
        """The signed-in editor of this party, its CSRF token and view; WebError otherwise."""
        found = session_of(request)
        if found is None:
            raise WebError(401, "sign in first")
        user, csrf = found
        viewer = ws.viewer(user, scenario_id)
        try:
            policy.require(viewer, "edit_preferences", party)
        except policy.Forbidden as exc:
            raise WebError(403, str(exc)) from None
        row, full = ws.load(scenario_id)
        if party not in full.party_ids:
            raise WebError(404, f"no party {party!r} in this scenario")
        return user, csrf, viewer, row, policy.filter_scenario(full, viewer)

    async def read_form(request: Request, csrf: str) -> dict[str, list[str]]:
        body = await request.body()
        if len(body) > MAX_BODY:
            raise WebError(413, "the form is too large")
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=2000)
        except (UnicodeDecodeError, ValueError):
            raise WebError(422, "the form cannot be read") from None
        token = (form.get("csrf_token") or [""])[-1] or request.headers.get(security.CSRF_HEADER)
        if not security.same(token, csrf):
            raise WebError(403, "missing or wrong CSRF token: reload the page")
        return form

    def render(request: Request, status: int, *, sid: int, party: str, viewer: Viewer,
               row: Any, seen: Scenario, csrf: str, st: FormState, base: int,
               problems: list[str] | None = None, conflict: dict[str, Any] | None = None,
               saved: int | None = None, shown: dict[str, Any] | None = None,
               tab: str = "form") -> Response:
        yaml_text = stored_block(row, party)
        return page(request, "prefs_form.html", status=status, sid=sid, party=party,
                    party_name=next((p.name for p in seen.parties if p.id == party), party),
                    viewer=viewer, scenario=seen, csrf=csrf, st=st, base=base,
                    version=row.number, problems=problems or [], conflict=conflict,
                    saved=saved, preview=shown or preview(seen, party, st), tab=tab,
                    yaml_text=yaml_text)

    @app.get("/scenarios/{scenario_id}/preferences/{party}", response_class=HTMLResponse,
             tags=["pages"], summary="The preference form of one party (its delegate)")
    def form_page(request: Request, scenario_id: ScenarioId, party: Party,
                  saved: int | None = None, tab: str = "form") -> Response:
        try:
            _, csrf, viewer, row, seen = open_form(request, scenario_id, party)
        except WebError as exc:
            if exc.status == 401:
                return RedirectResponse("/login", status_code=303)
            return page(request, "error.html", status=exc.status, message=str(exc))
        return render(request, 200, sid=scenario_id, party=party, viewer=viewer, row=row,
                      seen=seen, csrf=csrf, st=state_from_scenario(seen, party),
                      base=row.number, saved=saved, tab="yaml" if tab == "yaml" else "form")

    @app.post("/scenarios/{scenario_id}/preferences/{party}", response_class=HTMLResponse,
              tags=["pages"], summary="Submit the preference form: preview or save")
    async def form_post(request: Request, scenario_id: ScenarioId, party: Party) -> Response:
        try:
            _, csrf, viewer, row, seen = open_form(request, scenario_id, party)
            form = await read_form(request, csrf)
        except WebError as exc:
            return page(request, "error.html", status=exc.status, message=str(exc))
        st = state_from_form(seen, form)
        try:
            base = int((form.get("base_version") or [""])[-1])
        except ValueError:
            base = row.number
        base = min(max(base, 1), MAX_ID)
        ctx: dict[str, Any] = {"sid": scenario_id, "party": party, "viewer": viewer,
                               "row": row, "seen": seen, "csrf": csrf, "st": st, "base": base}
        block, fields, problems = block_from_form(seen, party, st)
        if problems:
            return render(request, 422, problems=problems, **ctx)
        if (form.get("action") or ["save"])[-1] == "preview":
            return render(request, 200, **ctx)
        message = (form.get("message") or [""])[-1][:500]
        try:
            saved = ws.save_preferences(viewer, scenario_id, party, block, base,
                                        message or f"edited preferences of {party} (form)",
                                        party_fields=fields)
        except WebError as exc:
            if exc.status == 409:
                current = int(exc.extra.get("current_version", row.number))
                changed = ws.diff(viewer, scenario_id, base, current) if base < current \
                    else ""
                who = [v for v in ws.history(viewer, scenario_id) if v["version"] > base]
                conflict = {"from": base, "to": current, "diff": changed.splitlines(),
                            "by": sorted({v["author"] for v in who})}
                ctx["base"] = current
                return render(request, 409, conflict=conflict, **ctx)
            problems = [exc.detail, *[str(p) for p in exc.extra.get("problems", [])]]
            return render(request, exc.status, problems=problems, **ctx)
        return RedirectResponse(f"/scenarios/{scenario_id}/preferences/{party}"
                                f"?saved={saved['version']}", status_code=303)

    @app.post("/scenarios/{scenario_id}/preferences/{party}/preview", tags=["pages"],
              summary="Live preview of the form (JSON): the plans' scores for this party")
    async def live_preview(request: Request, scenario_id: ScenarioId, party: Party) -> Response:
        try:
            _, csrf, _viewer, _row, seen = open_form(request, scenario_id, party)
            form = await read_form(request, csrf)
        except WebError as exc:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status)
        return JSONResponse(preview(seen, party, state_from_form(seen, form)))
