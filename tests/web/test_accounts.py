"""Invitations, members, passwords, sessions and disabled users (issue 18), on SQLite and
PostgreSQL, through the real app; plus `accord users disable` / `passwd` on a real file."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

from accord.store import Store
from accord.web import security

PASSWORD = "correct horse battery"


def _invite(world: Any, role: str = "delegate", party: str | None = "ua") -> dict[str, Any]:
    r = world["med"].post(f"/api/scenarios/{world.sid}/invitations",
                          json={"role": role, "party": party})
    assert r.status_code == 201, r.text
    return r.json()


def test_invitation_makes_an_account_once(world: Any, api_class: Any) -> None:
    inv = _invite(world)
    assert inv["url"].endswith("/invite/" + inv["token"]) and inv["status"] == "open"
    anon = api_class(world.app)
    info = anon.get(f"/api/invitations/{inv['token']}").json()
    assert info == {"scenario": "Confidentiality test case", "role": "delegate", "party": "ua"}
    r = anon.post(f"/api/invitations/{inv['token']}/accept",
                  json={"mode": "new", "username": "olena", "password": "a long password"})
    assert r.status_code == 200, r.text
    assert r.json() == {"username": "olena", "scenario_id": world.sid, "role": "delegate",
                        "party": "ua"}
    # signed in by the same answer: the new delegate sees its scenario as ua's delegate
    view = anon.get(f"/api/scenarios/{world.sid}").json()
    assert (view["role"], view["party"]) == ("delegate", "ua")
    # once only
    again = api_class(world.app).post(f"/api/invitations/{inv['token']}/accept",
                                      json={"mode": "new", "username": "other",
                                            "password": "a long password"})
    assert again.status_code == 404
    assert api_class(world.app).get(f"/api/invitations/{inv['token']}").status_code == 404
    listed = world["med"].get(f"/api/scenarios/{world.sid}/invitations").json()
    assert listed[0]["status"] == "used" and listed[0]["used_by"] == "olena"
    assert "token" not in listed[0] and "url" not in listed[0]


def test_expired_and_revoked_invitations_are_refused(world: Any, api_class: Any) -> None:
    store: Store = world.app.state.store
    token = security.new_token()
    med = store.user_by_name("med")
    store.create_invitation(world.sid, security.token_hash(token), "observer", None, med.id,
                            dt.timedelta(seconds=-1))
    anon = api_class(world.app)
    assert anon.get(f"/api/invitations/{token}").status_code == 404
    r = anon.post(f"/api/invitations/{token}/accept",
                  json={"mode": "new", "username": "late", "password": "a long password"})
    assert r.status_code == 404 and store.user_by_name("late") is None
    inv = _invite(world, "observer", None)
    assert world["med"].call("DELETE", f"/api/scenarios/{world.sid}/invitations/"
                                       f"{inv['id']}").status_code == 200
    assert anon.get(f"/api/invitations/{inv['token']}").status_code == 404


def test_join_with_an_existing_account(world: Any, api_class: Any) -> None:
    inv = _invite(world, "observer", None)
    anon = api_class(world.app)
    r = anon.post(f"/api/invitations/{inv['token']}/accept",
                  json={"mode": "existing", "username": "outsider", "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert world["outsider"].get(f"/api/scenarios/{world.sid}").json()["role"] == "observer"
    # a signed-in user joins with one click (CSRF header required)
    inv2 = _invite(world, "delegate", "eu")
    carol = world.app.state.store.create_user("carol", security.hash_password(PASSWORD))
    assert carol.id
    c = api_class(world.app, "carol")
    assert c.client.post(f"/api/invitations/{inv2['token']}/accept",
                         json={"mode": "signed_in"}).status_code == 403
    assert c.post(f"/api/invitations/{inv2['token']}/accept",
                  json={"mode": "signed_in"}).status_code == 200
    assert c.get(f"/api/scenarios/{world.sid}").json()["party"] == "eu"


def test_nobody_learns_which_user_names_exist(world: Any, api_class: Any) -> None:
    """A taken name, an unknown name and a wrong password answer alike on every route."""
    inv = _invite(world)
    anon = api_class(world.app)
    url = f"/api/invitations/{inv['token']}/accept"
    taken = anon.post(url, json={"mode": "new", "username": "ru_del",
                                 "password": "a long password"})
    unknown = anon.post(url, json={"mode": "existing", "username": "ghost-user",
                                   "password": "a long password"})
    wrong = anon.post(url, json={"mode": "existing", "username": "ru_del",
                                 "password": "a long password"})
    assert taken.status_code == unknown.status_code == wrong.status_code == 401
    assert taken.json() == unknown.json() == wrong.json()
    # the failed attempts did not spend the link, nor make anyone a member
    assert anon.get(f"/api/invitations/{inv['token']}").status_code == 200
    med = world["med"]
    a = med.post(f"/api/scenarios/{world.sid}/members",
                 json={"username": "outsider", "role": "observer"})
    b = med.post(f"/api/scenarios/{world.sid}/members",
                 json={"username": "ghost-user", "role": "observer"})
    assert a.status_code == b.status_code == 404
    assert a.json()["detail"].replace("outsider", "X") == \
        b.json()["detail"].replace("ghost-user", "X")
    s1 = api_class(world.app).post("/api/session", json={"username": "ghost-user",
                                                         "password": "x"})
    s2 = api_class(world.app).post("/api/session", json={"username": "ru_del",
                                                         "password": "x"})
    assert s1.status_code == s2.status_code == 401 and s1.json() == s2.json()


def test_invitation_rules(world: Any) -> None:
    sid = world.sid
    r = world["med"].post(f"/api/scenarios/{sid}/invitations", json={"role": "delegate"})
    assert r.status_code == 422 and "party" in r.json()["detail"]
    assert _invite(world, "observer", "ua")["party"] is None
    for who, status in (("ua_del", 403), ("obs", 403), ("outsider", 404), ("anon", 401)):
        r = world[who].post(f"/api/scenarios/{sid}/invitations", json={"role": "observer"})
        assert r.status_code == status, who


def test_mediator_changes_roles_and_removes_members(world: Any) -> None:
    sid, med = world.sid, world["med"]
    r = med.post(f"/api/scenarios/{sid}/members", json={"username": "obs", "role": "delegate",
                                                        "party": "eu"})
    assert r.status_code == 200
    assert world["obs"].get(f"/api/scenarios/{sid}").json()["party"] == "eu"
    assert med.call("DELETE", f"/api/scenarios/{sid}/members/obs").status_code == 200
    assert world["obs"].get(f"/api/scenarios/{sid}").status_code == 404


def test_password_change_ends_other_sessions(world: Any, api_class: Any) -> None:
    first, second = world["ua_del"], api_class(world.app, "ua_del")
    r = first.put("/api/session/password", json={"current_password": "wrong one",
                                                 "new_password": "a new long password"})
    assert r.status_code == 403
    r = first.put("/api/session/password", json={"current_password": PASSWORD,
                                                 "new_password": "a new long password"})
    assert r.status_code == 200 and r.json()["other_sessions_ended"] == 1
    assert first.get("/api/session").status_code == 200
    assert second.get("/api/session").status_code == 401
    c = api_class(world.app)
    assert c.post("/api/session", json={"username": "ua_del",
                                        "password": "a new long password"}).status_code == 200


def test_sign_out_everywhere(world: Any, api_class: Any) -> None:
    first, second = world["ru_del"], api_class(world.app, "ru_del")
    r = first.call("DELETE", "/api/sessions")
    assert r.status_code == 200 and r.json()["sessions_ended"] == 2
    assert first.get("/api/session").status_code == 401
    assert second.get("/api/session").status_code == 401


def test_admin_disables_a_user(world: Any, api_class: Any) -> None:
    med, obs = world["med"], world["obs"]
    assert obs.post("/api/users/ua_del/disable", json={"disabled": True}).status_code == 403
    assert obs.get("/api/users").status_code == 403
    assert med.post("/api/users/med/disable", json={"disabled": True}).status_code == 409
    r = med.post("/api/users/obs/disable", json={"disabled": True})
    assert r.status_code == 200 and r.json()["sessions_ended"] == 1
    assert obs.get("/api/session").status_code == 401
    c = api_class(world.app)
    refused = c.post("/api/session", json={"username": "obs", "password": PASSWORD})
    wrong = c.post("/api/session", json={"username": "obs", "password": "not it at all"})
    assert refused.status_code == 401 and refused.json() == wrong.json()
    assert {u["username"]: u["disabled"] for u in med.get("/api/users").json()}["obs"]
    assert med.post("/api/users/obs/disable", json={"disabled": False}).status_code == 200
    assert api_class(world.app, "obs").get("/api/session").status_code == 200


def test_every_action_is_audited(world: Any, api_class: Any) -> None:
    inv = _invite(world, "observer", None)
    anon = api_class(world.app)
    anon.post(f"/api/invitations/{inv['token']}/accept",
              json={"mode": "new", "username": "newbie", "password": "a long password"})
    world["med"].post(f"/api/scenarios/{world.sid}/members",
                      json={"username": "newbie", "role": "delegate", "party": "eu"})
    world["med"].call("DELETE", f"/api/scenarios/{world.sid}/members/newbie")
    world["ua_del"].put("/api/session/password", json={"current_password": PASSWORD,
                                                       "new_password": "a new long password"})
    world["ru_del"].call("DELETE", "/api/sessions")
    world["med"].post("/api/users/obs/disable", json={"disabled": True})
    world["med"].post("/api/users/obs/disable", json={"disabled": False})
    actions = {e.action for e, _ in world.app.state.store.audit_log()}
    assert {"invitation.create", "invitation.accept", "member.set", "member.remove",
            "user.passwd", "session.revoke_all", "user.disable", "user.enable"} <= actions
    # the audit never holds a password or a token
    details = " ".join(e.detail for e, _ in world.app.state.store.audit_log())
    assert inv["token"] not in details and "a new long password" not in details


def test_pages_for_accounts(world: Any, api_class: Any) -> None:
    sid = world.sid
    med = world["med"]
    inv = _invite(world)
    assert "Create an account" in api_class(world.app).get(f"/invite/{inv['token']}").text
    assert api_class(world.app).get(f"/invite/{'x' * 43}").status_code == 404
    page = med.get(f"/scenarios/{sid}/members").text
    assert "invite-form" in page and "ua_del" in page
    obs_page = world["obs"].get(f"/scenarios/{sid}/members").text
    assert "invite-form" not in obs_page and "Remove" not in obs_page
    assert world["outsider"].get(f"/scenarios/{sid}/members").status_code == 404
    assert "password-form" in world["obs"].get("/account").text
    assert world["obs"].get("/admin/users").status_code == 403
    assert "toggle-obs" in med.get("/admin/users").text


def _cli(db: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "accord", "users", *args, "--database", db],
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_cli_disable_and_passwd(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(db)
    store.create_user("alice", security.hash_password("first password"))
    store.close()
    r = _cli(db, "disable", "alice")
    assert r.returncode == 0 and "disabled alice" in r.stderr
    r = _cli(db, "disable", "ghost")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no user" in r.stderr
    r = _cli(db, "passwd", "alice", "--password-stdin", stdin="short\n")
    assert r.returncode == 2 and "shorter than 8" in r.stderr
    r = _cli(db, "passwd", "alice", "--password-stdin", stdin="second password\n")
    assert r.returncode == 0, r.stderr
    assert _cli(db, "disable", "alice", "--enable").returncode == 0
    store = Store(db)
    alice = store.user_by_name("alice")
    assert alice is not None and not alice.disabled
    assert security.verify_password(alice.password_hash, "second password")
    assert {"user.disable", "user.enable", "user.passwd"} <= {e.action for e, _ in
                                                               store.audit_log()}
    store.close()


def test_failed_attempts_on_a_link_are_rate_limited(world: Any, api_class: Any) -> None:
    inv = _invite(world, "observer", None)
    anon = api_class(world.app)
    url = f"/api/invitations/{inv['token']}/accept"
    codes = [anon.post(url, json={"mode": "existing", "username": "obs",
                                  "password": f"guess {k}"}).status_code for k in range(6)]
    assert codes == [401] * 5 + [429]
    right = anon.post(url, json={"mode": "existing", "username": "obs", "password": PASSWORD})
    assert right.status_code == 429 and right.json()["retry_after"] >= 1
