"""Accounts, invitations and the member page (issue 18): API routes and their pages.

Invitations replace adding users by name: the mediator makes a one-time link for a role (and a
party for a delegate); whoever opens it creates an account or joins with their own. No route
here tells anyone whether a user name exists: unknown names, wrong passwords and disabled users
answer alike, and members are changed by name only among the scenario's members. A new
account's taken name gets that same answer; that a chosen name cannot be had is the one thing
any sign-up must reveal, so those attempts need a live link and are rate-limited per link and
per client, and audited.

Handlers are thin as in `accord.web.app`: the store writes each action with its audit entry in
one transaction; who may do what is still `accord.web.policy`.
"""


import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field

from accord.store import InvitationInvalid, NameTaken
from accord.store.models import User
from accord.web import policy, security
from accord.web.policy import Viewer
from accord.web.service import WebError, Workspace

MAX_ID = 2**31 - 1
USERNAME = r"^[A-Za-z0-9_.@-]{1,64}$"
SESSION_LIFETIME = dt.timedelta(hours=12)
ScenarioId = Annotated[int, Path(ge=1, le=MAX_ID)]
InvitationId = Annotated[int, Path(ge=1, le=MAX_ID)]
Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
BUSY = "the server is busy checking passwords; retry shortly"
NOT_VALID = "this invitation link is not valid: it was used, revoked or has expired; " \
            "ask the mediator for a new one"
NO_MATCH = "that user name and password do not match an account that can join; to create " \
           "a new account, choose another user name"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvitationIn(_In):
    role: Literal["mediator", "delegate", "observer"]
    party: str | None = Field(default=None, max_length=64)
    hours: int = Field(default=72, ge=1, le=24 * 30, description="Hours until the link expires")


class AcceptIn(_In):
    mode: Literal["new", "existing", "signed_in"] = Field(
        description="new: create an account; existing: sign in with one; signed_in: join as "
                    "the user signed in now")
    username: str | None = Field(default=None, pattern=USERNAME)
    password: str | None = Field(default=None, min_length=1, max_length=1024)


class PasswordIn(_In):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=8, max_length=1024)


class DisableIn(_In):
    disabled: bool = True


def start_session(ws: Workspace, request: Request, response: Response, user: User) -> str:
    """Sign `user` in on this response (the same cookies as POST /api/session)."""
    token, csrf = security.new_token(), security.new_token()
    ws.store.create_session(security.token_hash(token), user.id, csrf, SESSION_LIFETIME)
    secure = request.url.scheme == "https"
    age = int(SESSION_LIFETIME.total_seconds())
    response.set_cookie(security.SESSION_COOKIE, token, max_age=age, httponly=True,
                        samesite="lax", secure=secure, path="/")
    response.set_cookie(security.CSRF_COOKIE, csrf, max_age=age, httponly=False,
                        samesite="strict", secure=secure, path="/")
    return csrf


def register_accounts(app: FastAPI, ws: Workspace, templates: Jinja2Templates,
                      current_user: Callable[..., User],
                      session_of: Callable[[Request], tuple[User, str] | None],
                      guard: security.SignIns) -> None:
    """Add the account, invitation and member routes and pages to `app`. `guard` is the
    sign-in guard: the same back-off (keyed on the invitation instead of a user name) and the
    same bound on concurrent argon2 hashing."""
    store = ws.store
    CurrentUser = Annotated[User, Depends(current_user)]

    def _hashed(password: str) -> str:
        with guard.hashing_slot() as free:
            if not free:
                raise WebError(503, BUSY)
            return security.hash_password(password)

    def member(scenario_id: ScenarioId, user: CurrentUser) -> Viewer:
        return ws.viewer(user, scenario_id)

    Member = Annotated[Viewer, Depends(member)]

    # invitations ---------------------------------------------------------------------------
    def invitation_dict(inv: Any, used_by: str | None) -> dict[str, Any]:
        expires = inv.expires_at if inv.expires_at.tzinfo else \
            inv.expires_at.replace(tzinfo=dt.UTC)
        status = "used" if inv.used_at else \
            "expired" if expires <= dt.datetime.now(dt.UTC) else "open"
        return {"id": inv.id, "role": inv.role, "party": inv.party, "status": status,
                "expires_at": expires.isoformat(), "used_by": used_by}

    @app.post("/api/scenarios/{scenario_id}/invitations", tags=["members"], status_code=201,
              summary="Create a one-time invitation link for a role (mediator)")
    def create_invitation(scenario_id: ScenarioId, body: InvitationIn, viewer: Member,
                          request: Request) -> dict[str, Any]:
        policy.require(viewer, "manage_members")
        party = body.party or None
        if body.role == policy.DELEGATE:
            _, scenario = ws.load(scenario_id)
            if party not in scenario.party_ids:
                raise WebError(422, "a delegate's invitation needs the id of one party of "
                               "this scenario: " + ", ".join(scenario.party_ids))
        else:
            party = None
        token = security.new_token()
        inv = store.create_invitation(scenario_id, security.token_hash(token), body.role, party,
                                      viewer.user_id, dt.timedelta(hours=body.hours))
        base = str(request.base_url).rstrip("/")
        return {**invitation_dict(inv, None), "token": token, "url": f"{base}/invite/{token}"}

    @app.get("/api/scenarios/{scenario_id}/invitations", tags=["members"],
             summary="Invitations of this scenario, without their links (mediator)")
    def list_invitations(scenario_id: ScenarioId, viewer: Member) -> list[dict[str, Any]]:
        policy.require(viewer, "manage_members")
        return [invitation_dict(i, who) for i, who in store.invitations(scenario_id)]

    @app.delete("/api/scenarios/{scenario_id}/invitations/{invitation_id}", tags=["members"],
                summary="Revoke an invitation (mediator)")
    def revoke_invitation(scenario_id: ScenarioId, invitation_id: InvitationId,
                          viewer: Member) -> dict[str, Any]:
        policy.require(viewer, "manage_members")
        if not store.revoke_invitation(scenario_id, invitation_id, viewer.user_id):
            raise WebError(404, f"no invitation {invitation_id}")
        return {"revoked": invitation_id}

    def open_invitation(token: str) -> tuple[Any, str]:
        try:
            inv = store.open_invitation(security.token_hash(token))
        except InvitationInvalid:
            raise WebError(404, NOT_VALID) from None
        return inv, store.scenario(inv.scenario_id).title

    @app.get("/api/invitations/{token}", tags=["members"],
             summary="What an invitation link offers (anyone holding it)")
    def show_invitation(token: Token) -> dict[str, Any]:
        inv, title = open_invitation(token)
        return {"scenario": title, "role": inv.role, "party": inv.party}

    @app.post("/api/invitations/{token}/accept", tags=["members"],
              summary="Use an invitation: create an account, or join with yours")
    def accept_invitation(token: Token, body: AcceptIn, request: Request,
                          response: Response) -> dict[str, Any]:
        th = security.token_hash(token)
        client = request.client.host if request.client else "unknown"
        key = f"invite:{th}"
        wait = guard.begin(key, client)
        if wait > 0:
            raise WebError(429, "too many failed attempts; wait and try again",
                           {"retry_after": int(wait) + 1})
        open_invitation(token)
        user: User | None
        if body.mode == "signed_in":
            found = session_of(request)
            if found is None:
                raise WebError(401, "sign in first, or create an account")
            if not security.same(request.headers.get(security.CSRF_HEADER), found[1]):
                raise WebError(403, "missing or wrong CSRF token")
            user = found[0]
            new_user = None
        else:
            if not body.username or not body.password:
                raise WebError(422, "give a user name and a password")
            if body.mode == "new":
                if len(body.password) < 8:
                    raise WebError(422, "the password is shorter than 8 characters")
                user, new_user = None, (body.username, _hashed(body.password))
            else:
                user, new_user = store.user_by_name(body.username), None
                with guard.hashing_slot() as free:
                    if not free:
                        raise WebError(503, BUSY)
                    ok = security.verify_password(user.password_hash if user else None,
                                                  body.password)
                if not ok or user is None or user.disabled:
                    guard.failed(key, client)
                    store.audit(None, "invitation.fail", "failed sign-in on an invitation")
                    raise WebError(401, NO_MATCH)
        try:
            joined, inv = store.accept_invitation(th, user_id=user.id if user else None,
                                                  new_user=new_user)
        except InvitationInvalid:
            raise WebError(404, NOT_VALID) from None
        except NameTaken:
            guard.failed(key, client)
            store.audit(None, "invitation.fail", "a new account's name was not available")
            raise WebError(401, NO_MATCH) from None
        guard.succeeded(key, client)
        if body.mode != "signed_in":
            start_session(ws, request, response, joined)
        return {"username": joined.username, "scenario_id": inv.scenario_id, "role": inv.role,
                "party": inv.party}

    # accounts ------------------------------------------------------------------------------
    @app.put("/api/session/password", tags=["session"],
             summary="Change your own password (ends your other sessions)")
    def change_password(body: PasswordIn, user: CurrentUser, request: Request) -> dict[str, Any]:
        with guard.hashing_slot() as free:
            if not free:
                raise WebError(503, BUSY)
            ok = security.verify_password(user.password_hash, body.current_password)
        if not ok:
            raise WebError(403, "the current password is wrong")
        token = request.cookies.get(security.SESSION_COOKIE)
        ended = store.change_password(user.id, _hashed(body.new_password),
                                      user.id, security.token_hash(token) if token else None)
        return {"changed": True, "other_sessions_ended": ended}

    @app.delete("/api/sessions", tags=["session"], summary="Sign out every session of yours")
    def sign_out_everywhere(user: CurrentUser, response: Response) -> dict[str, Any]:
        ended = store.end_sessions(user.id, user.id)
        response.delete_cookie(security.SESSION_COOKIE, path="/")
        response.delete_cookie(security.CSRF_COOKIE, path="/")
        return {"sessions_ended": ended}

    @app.get("/api/users", tags=["users"], summary="Every user (administrators only)")
    def list_users(user: CurrentUser) -> list[dict[str, Any]]:
        if not user.is_admin:
            raise WebError(403, "only an administrator may list users")
        return [{"username": u.username, "is_admin": u.is_admin, "disabled": u.disabled}
                for u in store.users()]

    @app.post("/api/users/{username}/disable", tags=["users"],
              summary="Disable or enable a user (administrators only)")
    def disable_user(username: Annotated[str, Path(max_length=64)], body: DisableIn,
                     user: CurrentUser) -> dict[str, Any]:
        if not user.is_admin:
            raise WebError(403, "only an administrator may disable users")
        target = store.user_by_name(username)
        if target is None:
            raise WebError(404, f"no user {username!r}")
        if target.id == user.id:
            raise WebError(409, "you cannot disable yourself")
        ended = store.set_disabled(target.id, body.disabled, user.id)
        return {"username": username, "disabled": body.disabled, "sessions_ended": ended}

    # pages ---------------------------------------------------------------------------------
    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
        found = session_of(request)
        ctx.setdefault("user", found[0] if found else None)
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    @app.get("/invite/{token}", response_class=HTMLResponse, tags=["pages"],
             summary="Invitation page")
    def invite_page(request: Request, token: Token) -> Response:
        try:
            inv, title = open_invitation(token)
        except WebError as exc:
            return page(request, "error.html", status=404, message=str(exc))
        return page(request, "invite.html", token=token, title=title, role=inv.role,
                    party=inv.party)

    @app.get("/account", response_class=HTMLResponse, tags=["pages"], summary="Your account")
    def account_page(request: Request) -> Response:
        found = session_of(request)
        if found is None:
            return RedirectResponse("/login", status_code=303)
        return page(request, "account.html", sessions=store.session_count(found[0].id))

    @app.get("/admin/users", response_class=HTMLResponse, tags=["pages"],
             summary="Users (administrators)")
    def users_page(request: Request) -> Response:
        found = session_of(request)
        if found is None:
            return RedirectResponse("/login", status_code=303)
        if not found[0].is_admin:
            return page(request, "error.html", status=403,
                        message="only an administrator may manage users")
        return page(request, "users.html", users=store.users())

    @app.get("/scenarios/{scenario_id}/members", response_class=HTMLResponse, tags=["pages"],
             summary="Members and invitations of a scenario")
    def members_page(request: Request, scenario_id: ScenarioId) -> Response:
        found = session_of(request)
        if found is None:
            return RedirectResponse("/login", status_code=303)
        try:
            viewer = ws.viewer(found[0], scenario_id)
            members = ws.members(viewer, scenario_id)
            manage = policy.allowed(viewer, "manage_members")
            invitations = ([invitation_dict(i, who) for i, who in store.invitations(scenario_id)]
                           if manage else [])
            _, scenario = ws.load(scenario_id)
        except (WebError, policy.Forbidden) as exc:
            status = exc.status if isinstance(exc, WebError) else 403
            return page(request, "error.html", status=status, message=str(exc))
        return page(request, "members.html", sid=scenario_id, viewer=viewer, members=members,
                    manage=manage, invitations=invitations, title=scenario.title,
                    parties=[p.id for p in scenario.parties])
