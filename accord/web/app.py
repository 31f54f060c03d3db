"""The FastAPI application: JSON API under /api (OpenAPI at /openapi.json) and server-rendered
pages, over one store. `create_app(database_url)` is the only entry point.

Handlers are thin: they authenticate, turn the request into a `Workspace` call, and turn its
`WebError`/`Forbidden` into an HTTP status. Nothing here decides who sees what: that is
`accord.web.policy`, called from `accord.web.service`.
"""


import contextlib
import datetime as dt
import json
import logging
import re
from contextlib import asynccontextmanager
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.exc import DataError, OperationalError

from accord.io import limits
from accord.store import Store
from accord.store.models import User
from accord.web import security
from accord.web.jobs import JobRunner
from accord.web.policy import Forbidden, Viewer
from accord.web.service import WebError, Workspace

log = logging.getLogger("accord.web")
HERE = FsPath(__file__).resolve().parent
SESSION_LIFETIME = dt.timedelta(hours=12)
MAX_ID = 2**31 - 1
USERNAME = r"^[A-Za-z0-9_.@-]{1,64}$"
HASH_WAIT = 30.0
"""Seconds a sign-in waits for one of the bounded argon2 slots before answering 503."""

ScenarioId = Annotated[int, Path(ge=1, le=MAX_ID, description="Scenario id")]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="Job id")]
VersionNo = Annotated[int, Path(ge=1, le=MAX_ID, description="Version number")]


def _no_nul(v: Any) -> Any:
    if isinstance(v, str) and "\x00" in v:
        raise ValueError("text must not contain NUL characters")
    return v


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _check(cls, v: Any) -> Any:
        return _no_nul(v)


class SessionIn(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class ScenarioIn(_In):
    text: str = Field(min_length=1, max_length=limits.MAX_TEXT_CHARS,
                      description="The scenario file's text")
    filename: str = Field(default="scenario.yaml", max_length=200,
                          description="Its name; .yaml/.yml, .json, or .xml (Genius)")


class CreateIn(ScenarioIn):
    profiles: dict[str, str] | None = Field(
        default=None, description="Genius only: {file name: XML text}, one profile per party")


class SaveIn(ScenarioIn):
    base_version: int = Field(ge=1, le=MAX_ID, description="The version the edit started from")
    message: str = Field(default="", max_length=500)


class PreferencesIn(_In):
    base_version: int = Field(ge=1, le=MAX_ID)
    text: str | None = Field(default=None, max_length=200_000,
                             description="The preferences block as YAML or JSON")
    preferences: dict[str, Any] | None = Field(default=None,
                                               description="The preferences block as an object")
    party_fields: dict[str, Any] | None = Field(
        default=None, description="The party's own fields under `parties` to set too: "
        "reservation, capability, note, basis")
    message: str = Field(default="", max_length=500)


class MemberIn(_In):
    username: str = Field(pattern=USERNAME)
    role: Literal["mediator", "delegate", "observer"]
    party: str | None = Field(default=None, max_length=64)


class JobIn(_In):
    kind: Literal["score", "solve", "robustness", "calibrate"]
    method: str = Field(default="nash", max_length=32)
    top: int = Field(default=1, ge=1, le=20)
    plans: list[str] | None = Field(default=None, max_length=200)
    samples: int = Field(default=1000, ge=10, le=100_000)
    plan: str | None = Field(default=None, max_length=200,
                             description="Robustness: the plan to test (default: the first); "
                                         "solve with maxmin-gain: the baseline plan")
    parties: list[str] | None = Field(default=None, max_length=50,
                                      description="Solve: the parties (default: all scored)")
    red_lines: bool = Field(default=True, description="Solve: respect red lines")
    individual_rationality: bool = Field(default=True,
                                         description="Solve: respect walk-away values")
    seed: int = Field(default=0, ge=0, le=2**32 - 1,
                      description="Robustness, calibrate: the random seed (same seed, same "
                                  "numbers)")


class PublishIn(_In):
    published: bool = True


MAX_BODY = 4 * limits.MAX_TEXT_CHARS
"""Largest request body, in bytes: a scenario text at the loader's limit, JSON-escaped."""


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413 before anything parses them: at once
    by Content-Length, and while streaming for chunked bodies (or a Content-Length that
    lies), so memory per request stays bounded by `limit`."""

    def __init__(self, app: Any, limit: int = MAX_BODY):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await self._refuse(send)
                    return
        seen = 0
        refused = False

        async def limited_receive() -> Any:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # Answer now; the application sees a client that went away.
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Any) -> None:
            if not refused:
                await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, limited_receive, guarded_send)

    async def _refuse(self, send: Any) -> None:
        body = json.dumps({"detail": f"the request body is larger than {self.limit} bytes"}
                          ).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _json_error(status: int, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def create_app(database_url: str | None = None, *, store: Store | None = None,
               login_limit: int = 5, login_window: float = 60.0,
               job_workers: int = 2, score_workers: int = 2, hashing: int = 2,
               max_body: int = MAX_BODY) -> FastAPI:
    """The workspace app on `database_url` (migrated on start; SQLite in the user data dir
    when None)."""
    store = store or Store(database_url)
    runner = JobRunner(store, workers=job_workers, compute=score_workers)
    ws = Workspace(store, runner)
    sign_ins = security.SignIns(login_limit, login_window, hashing=max(1, hashing))
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        store.interrupt_running_jobs()
        yield
        runner.shutdown()

    # No /docs or /redoc: Swagger's assets come from a CDN the CSP (rightly) blocks; the
    # schema itself is at /openapi.json.
    app = FastAPI(title="accord workspace", version="1", lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  description="Shared scenarios, confidential party preferences, analyses.")
    app.state.store, app.state.workspace, app.state.jobs = store, ws, runner

    # errors ---------------------------------------------------------------------------------
    @app.exception_handler(WebError)
    async def _web_error(_r: Request, exc: WebError) -> JSONResponse:
        return _json_error(exc.status, exc.detail, **exc.extra)

    @app.exception_handler(Forbidden)
    async def _forbidden(_r: Request, exc: Forbidden) -> JSONResponse:
        return _json_error(403, str(exc))

    @app.exception_handler(DataError)
    async def _data_error(_r: Request, _exc: DataError) -> JSONResponse:
        return _json_error(422, "a value is out of range for the database")

    @app.exception_handler(OperationalError)
    async def _busy(_r: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database busy: %s", exc)
        return _json_error(503, "the database is busy; retry shortly")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        # Echo where and what, never the input (it may hold a preference).
        errs = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return _json_error(422, "invalid request", errors=errs)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Cache-Control", "no-store")
        h.setdefault("Content-Security-Policy",
                     "default-src 'self'; script-src 'self' 'unsafe-eval'; "
                     "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                     "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        return response

    # authentication -------------------------------------------------------------------------
    def session_of(request: Request) -> tuple[User, str] | None:
        token = request.cookies.get(security.SESSION_COOKIE)
        if not token or len(token) > 200:
            return None
        return store.session_user(security.token_hash(token))

    def current_user(request: Request) -> User:
        """The signed-in user; state-changing requests must also carry the CSRF token."""
        found = session_of(request)
        if found is None:
            raise WebError(401, "sign in first (POST /api/session)")
        user, csrf = found
        if request.method not in ("GET", "HEAD", "OPTIONS") and not security.same(
                request.headers.get(security.CSRF_HEADER), csrf):
            raise WebError(403, "missing or wrong CSRF token: send the X-CSRF-Token header "
                           "with the value of the accord_csrf cookie")
        return user

    CurrentUser = Annotated[User, Depends(current_user)]

    def member(scenario_id: ScenarioId, user: CurrentUser) -> Viewer:
        return ws.viewer(user, scenario_id)

    Member = Annotated[Viewer, Depends(member)]

    # session --------------------------------------------------------------------------------
    @app.post("/api/session", tags=["session"], summary="Sign in (sets the session cookie)")
    def sign_in(body: SessionIn, request: Request, response: Response) -> dict[str, Any]:
        client = request.client.host if request.client else "unknown"
        # The failure is counted before the (slow, 64 MiB) hash, and given back on success.
        wait = sign_ins.begin(body.username, client)
        if wait > 0:
            raise WebError(429, "too many failed sign-ins; wait and try again",
                           {"retry_after": int(wait) + 1})
        user = store.user_by_name(body.username)
        if not sign_ins.hashing.acquire(timeout=HASH_WAIT):
            raise WebError(503, "the server is busy signing others in; retry shortly")
        try:
            ok = security.verify_password(user.password_hash if user else None, body.password)
        finally:
            sign_ins.hashing.release()
        if not ok or user is None or user.disabled:
            sign_ins.failed(body.username, client)
            store.audit(None, "session.fail", f"failed sign-in for {body.username[:64]}")
            raise WebError(401, "wrong user name or password")
        sign_ins.succeeded(body.username, client)
        from accord.web.accounts import start_session

        csrf = start_session(ws, request, response, user)
        store.audit(user.id, "session.create", f"{user.username} signed in")
        return {"username": user.username, "is_admin": user.is_admin, "csrf_token": csrf}

    @app.get("/api/session", tags=["session"], summary="Who is signed in")
    def whoami(user: CurrentUser) -> dict[str, Any]:
        return {"username": user.username, "is_admin": user.is_admin}

    @app.delete("/api/session", tags=["session"], summary="Sign out")
    def sign_out(request: Request, response: Response, _user: CurrentUser) -> dict[str, Any]:
        token = request.cookies.get(security.SESSION_COOKIE)
        if token:
            store.delete_session(security.token_hash(token))
        response.delete_cookie(security.SESSION_COOKIE, path="/")
        response.delete_cookie(security.CSRF_COOKIE, path="/")
        return {"signed_out": True}

    # scenarios ------------------------------------------------------------------------------
    @app.get("/api/scenarios", tags=["scenarios"], summary="Scenarios you are a member of")
    def list_scenarios(user: CurrentUser) -> list[dict[str, Any]]:
        return [{"id": s.id, "name": s.name, "title": s.title, "version": s.current_version,
                 "role": m.role, "party": m.party} for s, m in store.scenarios_of(user.id)]

    @app.post("/api/scenarios", tags=["scenarios"], status_code=201,
              summary="Create a scenario from a file's text; you become its mediator")
    def create_scenario(body: CreateIn, user: CurrentUser) -> dict[str, Any]:
        return ws.create(user, body.text, body.filename, body.profiles)

    @app.get("/api/scenarios/{scenario_id}", tags=["scenarios"],
             summary="The scenario as you may see it")
    def get_scenario(scenario_id: ScenarioId, viewer: Member) -> dict[str, Any]:
        return ws.view(viewer, scenario_id)

    @app.put("/api/scenarios/{scenario_id}", tags=["scenarios"],
             summary="Save a new version of the whole text (mediator)")
    def save_scenario(scenario_id: ScenarioId, body: SaveIn, viewer: Member) -> dict[str, Any]:
        return ws.save(viewer, scenario_id, body.text, body.base_version, body.filename,
                       body.message)

    @app.put("/api/scenarios/{scenario_id}/preferences/{party}", tags=["scenarios"],
             summary="Save one party's preferences (its delegate, or the mediator)")
    def save_preferences(scenario_id: ScenarioId,
                         party: Annotated[str, Path(max_length=64)],
                         body: PreferencesIn, viewer: Member) -> dict[str, Any]:
        prefs: Any = body.preferences if body.preferences is not None else body.text
        if prefs is None:
            raise WebError(422, "give `text` or `preferences`")
        return ws.save_preferences(viewer, scenario_id, party, prefs, body.base_version,
                                   body.message, party_fields=body.party_fields)

    @app.get("/api/scenarios/{scenario_id}/versions", tags=["history"],
             summary="Every saved version")
    def versions(scenario_id: ScenarioId, viewer: Member) -> list[dict[str, Any]]:
        return ws.history(viewer, scenario_id)

    @app.get("/api/scenarios/{scenario_id}/versions/{number}", tags=["history"],
             summary="One version as you may see it")
    def version(scenario_id: ScenarioId, number: VersionNo, viewer: Member) -> dict[str, Any]:
        return ws.view(viewer, scenario_id, number)

    @app.get("/api/scenarios/{scenario_id}/diff", tags=["history"],
             summary="Unified diff between two versions, as you may see them")
    def diff(scenario_id: ScenarioId, viewer: Member,
             a: Annotated[int, Query(ge=1, le=MAX_ID)],
             b: Annotated[int, Query(ge=1, le=MAX_ID)]) -> dict[str, Any]:
        return {"a": a, "b": b, "diff": ws.diff(viewer, scenario_id, a, b)}

    @app.get("/api/scenarios/{scenario_id}/download", tags=["scenarios"],
             summary="The scenario file (your view of it)", response_class=Response)
    def download(scenario_id: ScenarioId, viewer: Member,
                 format: Literal["yaml", "json"] = "yaml",  # noqa: A002
                 version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
        text = ws.view_text(viewer, scenario_id, version, format)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", store.scenario(scenario_id).name)
        return Response(text, media_type="application/json" if format == "json"
                        else "application/yaml", headers={
                            "Content-Disposition": f'attachment; filename="{name}.{format}"'})

    @app.get("/api/scenarios/{scenario_id}/members", tags=["members"], summary="Members")
    def members(scenario_id: ScenarioId, viewer: Member) -> list[dict[str, Any]]:
        return ws.members(viewer, scenario_id)

    @app.post("/api/scenarios/{scenario_id}/members", tags=["members"],
              summary="Change a member's role (mediator); invitations add members")
    def add_member(scenario_id: ScenarioId, body: MemberIn, viewer: Member) -> dict[str, Any]:
        return ws.set_member(viewer, scenario_id, body.username, body.role, body.party)

    @app.delete("/api/scenarios/{scenario_id}/members/{username}", tags=["members"],
                summary="Remove a member (mediator)")
    def remove_member(scenario_id: ScenarioId, username: Annotated[str, Path(max_length=64)],
                      viewer: Member) -> dict[str, Any]:
        ws.remove_member(viewer, scenario_id, username)
        return {"removed": username}

    @app.get("/api/scenarios/{scenario_id}/audit", tags=["history"],
             summary="Audit log: who changed what (mediator)")
    def audit(scenario_id: ScenarioId, viewer: Member) -> list[dict[str, Any]]:
        return ws.audit(viewer, scenario_id)

    # analyses -------------------------------------------------------------------------------
    @app.get("/api/scenarios/{scenario_id}/score", tags=["analysis"],
             summary="Score plans now, on your view (mediator: every party; delegate: yours)")
    async def score(scenario_id: ScenarioId, viewer: Member,
                    plan: Annotated[list[str] | None, Query(max_length=100)] = None,
                    improvement: bool = True) -> dict[str, Any]:
        # On the bounded scoring pool, not the threads that serve every other request.
        return await runner.compute(ws.score, viewer, scenario_id, plan, improvement)

    @app.post("/api/scenarios/{scenario_id}/jobs", tags=["analysis"], status_code=202,
              summary="Start a background analysis: score, solve (mediator), robustness "
                      "(mediator), calibrate (mediator)")
    def start_job(scenario_id: ScenarioId, body: JobIn, viewer: Member) -> dict[str, Any]:
        params: dict[str, Any]
        if body.kind == "score":
            params = {"plans": body.plans}
        elif body.kind == "solve":
            params = {"method": body.method, "top": body.top, "parties": body.parties,
                      "red_lines": body.red_lines, "plan": body.plan,
                      "individual_rationality": body.individual_rationality}
        elif body.kind == "calibrate":
            params = {"samples": body.samples, "seed": body.seed}
        else:
            params = {"samples": body.samples, "plan": body.plan, "seed": body.seed}
        return ws.start_job(viewer, scenario_id, body.kind, params)

    @app.get("/api/scenarios/{scenario_id}/jobs", tags=["analysis"],
             summary="Analyses you may see, newest first")
    def jobs(scenario_id: ScenarioId, viewer: Member) -> list[dict[str, Any]]:
        return ws.jobs_of(viewer, scenario_id)

    @app.get("/api/scenarios/{scenario_id}/jobs/{job_id}", tags=["analysis"],
             summary="One analysis: status, progress, and its result as you may see it")
    def job(scenario_id: ScenarioId, job_id: JobId, viewer: Member) -> dict[str, Any]:
        return ws.job(viewer, scenario_id, job_id)

    @app.post("/api/scenarios/{scenario_id}/jobs/{job_id}/rerun", tags=["analysis"],
              status_code=202, summary="Run a failed or interrupted analysis again, with the "
                                       "same parameters, on the current version")
    def rerun(scenario_id: ScenarioId, job_id: JobId, viewer: Member) -> dict[str, Any]:
        return ws.rerun(viewer, scenario_id, job_id)

    @app.post("/api/scenarios/{scenario_id}/jobs/{job_id}/publish", tags=["analysis"],
              summary="Publish a result to the parties, or withdraw it (mediator)")
    def publish(scenario_id: ScenarioId, job_id: JobId, body: PublishIn,
                viewer: Member) -> dict[str, Any]:
        return ws.publish(viewer, scenario_id, job_id, body.published)

    @app.get("/api/scenarios/{scenario_id}/report", tags=["analysis"],
             summary="Self-contained HTML report of the scenario (mediator)",
             response_class=HTMLResponse)
    def report(scenario_id: ScenarioId, viewer: Member) -> Response:
        html = ws.report(viewer, scenario_id)
        return HTMLResponse(html, headers={
            "Content-Disposition": 'attachment; filename="report.html"',
            # The report inlines its scripts; sandbox it so it cannot call back with cookies.
            "Content-Security-Policy": "sandbox allow-scripts; default-src 'none'; "
                                       "script-src 'unsafe-inline' 'unsafe-eval'; "
                                       "style-src 'unsafe-inline'; img-src data:; font-src data:"})

    @app.get("/api/health", tags=["session"], summary="Liveness")
    def health() -> dict[str, Any]:
        return {"ok": True}

    # pages ----------------------------------------------------------------------------------
    from accord.web.pages import register_pages

    register_pages(app, ws, templates, session_of)

    # issue 18: accounts, invitations, members page; the preference form ---------------------
    from accord.web.accounts import register_accounts
    from accord.web.prefs_form import register_prefs_form

    register_accounts(app, ws, templates, current_user, session_of, sign_ins)
    register_prefs_form(app, ws, templates, current_user, session_of)

    # issue 19: result pages, the in-browser report, template filters ---------------------
    from accord.web.results import register_results

    register_results(app, ws, templates, session_of)

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        try:
            import plotly
        except ImportError:
            raise WebError(404, "plotly is not installed") from None
        path = FsPath(plotly.__file__).parent / "package_data" / "plotly.min.js"
        if not path.exists():
            raise WebError(404, "plotly.js is not in the installed plotly package")
        return FileResponse(path, media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(BodyLimit, limit=max_body)  # added last: the outermost layer
    return app
