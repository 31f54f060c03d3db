"""Server-rendered pages (Jinja2). They only read; every change goes through the JSON API
(from `static/app.js`, with the CSRF header), so one set of handlers enforces the rules.

Pages get their data from the same `Workspace` calls as the API, so what a page shows is
exactly what the API would answer this viewer.
"""


from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from accord.io.loader import dump_text
from accord.model.scenario import Preferences
from accord.store.models import User
from accord.web import policy, results
from accord.web.service import WebError, Workspace

MAX_ID = 2**31 - 1
ScenarioId = Annotated[int, Path(ge=1, le=MAX_ID)]
JobId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _prefs_yaml(prefs: Preferences) -> str:
    data = prefs.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return dump_text(data)


def register_pages(app: FastAPI, ws: Workspace, templates: Jinja2Templates,
                   session_of: Callable[[Request], tuple[User, str] | None]) -> None:
    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
        found = session_of(request)
        ctx.setdefault("user", found[0] if found else None)
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    def signed_in(request: Request) -> User | None:
        found = session_of(request)
        return found[0] if found else None

    def error_page(request: Request, exc: WebError | policy.Forbidden) -> Response:
        status = exc.status if isinstance(exc, WebError) else 403
        return page(request, "error.html", status=status, message=str(exc))

    @app.get("/login", response_class=HTMLResponse, tags=["pages"], summary="Sign-in page")
    def login_page(request: Request) -> Response:
        return page(request, "login.html")

    @app.get("/", response_class=HTMLResponse, tags=["pages"], summary="Your scenarios")
    def index(request: Request) -> Response:
        user = signed_in(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        rows = ws.store.scenarios_of(user.id)
        return page(request, "index.html", user=user, scenarios=rows)

    @app.get("/scenarios/{scenario_id}", response_class=HTMLResponse, tags=["pages"],
             summary="One scenario")
    def scenario_page(request: Request, scenario_id: ScenarioId) -> Response:
        user = signed_in(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        try:
            viewer = ws.viewer(user, scenario_id)
            view = ws.view(viewer, scenario_id)
            row, full = ws.load(scenario_id)
            seen = policy.filter_scenario(full, viewer)
            jobs = ws.jobs_of(viewer, scenario_id)
            members = ws.members(viewer, scenario_id)
            prefs = {pid: _prefs_yaml(p) for pid, p in seen.preferences.items()}
            editable = [pid for pid in seen.party_ids
                        if policy.allowed(viewer, "edit_preferences", pid)]
            text = ws.view_text(viewer, scenario_id, None, "raw") if viewer.is_mediator else ""
            # issue 19: the tabs' extra data (history, solver methods)
            versions = ws.history(viewer, scenario_id)
            from accord.solve import METHODS
        except (WebError, policy.Forbidden) as exc:
            return error_page(request, exc)
        return page(request, "scenario.html", user=user, viewer=viewer, view=view,
                    scenario=seen, jobs=jobs, members=members, prefs=prefs,
                    editable=editable, text=text, version=row.number, sid=scenario_id,
                    can=lambda action: policy.allowed(viewer, action),
                    versions=versions, methods=list(METHODS))

    @app.get("/scenarios/{scenario_id}/history", response_class=HTMLResponse, tags=["pages"],
             summary="Versions of a scenario")
    def history_page(request: Request, scenario_id: ScenarioId) -> Response:
        user = signed_in(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        try:
            viewer = ws.viewer(user, scenario_id)
            versions = ws.history(viewer, scenario_id)
            audit = ws.audit(viewer, scenario_id) if viewer.is_mediator else []
            meta = ws.store.scenario(scenario_id)
        except (WebError, policy.Forbidden) as exc:
            return error_page(request, exc)
        return page(request, "history.html", user=user, sid=scenario_id, versions=versions,
                    audit=audit, title=meta.title)

    @app.get("/scenarios/{scenario_id}/diff", response_class=HTMLResponse, tags=["pages"],
             summary="Diff of two versions")
    def diff_page(request: Request, scenario_id: ScenarioId,
                  a: Annotated[int, Query(ge=1, le=MAX_ID)],
                  b: Annotated[int, Query(ge=1, le=MAX_ID)]) -> Response:
        user = signed_in(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        try:
            viewer = ws.viewer(user, scenario_id)
            text = ws.diff(viewer, scenario_id, a, b)
        except (WebError, policy.Forbidden) as exc:
            return error_page(request, exc)
        lines = [(("add" if ln.startswith("+") else "del" if ln.startswith("-") else "ctx"), ln)
                 for ln in text.splitlines()]
        return page(request, "diff.html", user=user, sid=scenario_id, a=a, b=b, lines=lines)

    @app.get("/scenarios/{scenario_id}/jobs/{job_id}", response_class=HTMLResponse,
             tags=["pages"], summary="One analysis, with its plot")
    def job_page(request: Request, scenario_id: ScenarioId, job_id: JobId) -> Response:
        user = signed_in(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        try:
            viewer = ws.viewer(user, scenario_id)
            job = ws.job(viewer, scenario_id, job_id)
            extra = results.page_context(ws, viewer, scenario_id, job)
        except (WebError, policy.Forbidden) as exc:
            return error_page(request, exc)
        from accord.report.escape import script_json

        return page(request, "job.html", user=user, sid=scenario_id, job=job, viewer=viewer,
                    job_json=script_json(job), **extra)
