"""The JSON API on SQLite and PostgreSQL: sessions, CSRF, roles, saves, history, analyses."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

SMALL = Path(__file__).resolve().parent.parent / "data" / "small.yaml"

UA_PREFS = """\
weights: {land: 2, army: 1, bloc: 1}
values:
  land: {all: 1, half: 0.55, none: 0}
  army: {none: 1, 800000: 0.5, 600000: 0}
  bloc: {join: 1, neutral: 0.2}
notes: {land: edited by the Ukrainian delegation}
"""


def test_sign_in_sets_safe_cookies_and_rejects_bad_passwords(app: Any, api_class: Any) -> None:
    c = api_class(app).client
    r = c.post("/api/session", json={"username": "med", "password": "correct horse battery"})
    assert r.status_code == 200
    cookies = r.headers.get_list("set-cookie")
    session = next(h for h in cookies if h.startswith("accord_session="))
    csrf = next(h for h in cookies if h.startswith("accord_csrf="))
    assert "HttpOnly" in session and "samesite=lax" in session.lower()
    assert "HttpOnly" not in csrf and "samesite=strict" in csrf.lower()
    assert "Secure" not in session  # plain http on loopback; https adds Secure
    assert c.get("/api/session").json()["username"] == "med"
    bad = api_class(app).client.post("/api/session", json={"username": "med",
                                                           "password": "wrong"})
    assert bad.status_code == 401 and "wrong user name or password" in bad.text
    unknown = api_class(app).client.post("/api/session", json={"username": "nobody",
                                                               "password": "wrong"})
    assert unknown.status_code == 401 and unknown.json() == bad.json()


def test_secure_cookie_over_https(app: Any) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(app, base_url="https://testserver")
    r = c.post("/api/session", json={"username": "med", "password": "correct horse battery"})
    assert all("Secure" in h for h in r.headers.get_list("set-cookie"))


def test_sign_in_is_rate_limited(db_url: str, api_class: Any) -> None:
    from fastapi.testclient import TestClient

    from accord.web import create_app

    # A one-hour window: the back-off starts at a minute, far longer than this test takes.
    app = create_app(db_url, login_limit=3, login_window=3600)
    try:
        c = TestClient(app)
        codes = [c.post("/api/session", json={"username": "x", "password": "y"}).status_code
                 for _ in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        r = c.post("/api/session", json={"username": "x", "password": "y"})
        assert int(r.json()["retry_after"]) >= 1
    finally:
        app.state.store.close()


def test_state_changes_need_the_csrf_token(world: Any) -> None:
    med = world["med"]
    body = {"username": "obs", "role": "observer"}
    r = med.client.post(f"/api/scenarios/{world.sid}/members", json=body)
    assert r.status_code == 403 and "CSRF" in r.text
    r = med.client.post(f"/api/scenarios/{world.sid}/members", json=body,
                        headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    assert med.post(f"/api/scenarios/{world.sid}/members", json=body).status_code == 200


def test_anonymous_and_outsiders_see_nothing(world: Any) -> None:
    assert world["anon"].get(f"/api/scenarios/{world.sid}").status_code == 401
    r = world["outsider"].get(f"/api/scenarios/{world.sid}")
    assert r.status_code == 404  # not even whether it exists
    assert world["outsider"].get("/api/scenarios").json() == []


def test_each_role_sees_its_own_slice(world: Any) -> None:
    sid = world.sid
    full = world["med"].get(f"/api/scenarios/{sid}").json()["scenario"]
    assert set(full["preferences"]) == {"ua", "ru", "eu"}
    ua = world["ua_del"].get(f"/api/scenarios/{sid}").json()
    assert ua["role"] == "delegate" and ua["party"] == "ua"
    assert set(ua["scenario"]["preferences"]) == {"ua"}
    ru_party = next(p for p in ua["scenario"]["parties"] if p["id"] == "ru")
    assert ru_party == {"id": "ru", "name": "Russian Federation"}
    obs = world["obs"].get(f"/api/scenarios/{sid}").json()
    assert "preferences" not in obs["scenario"]
    assert [p["id"] for p in obs["scenario"]["plans"]] == ["p1", "p2"]
    listing = world["ua_del"].get("/api/scenarios").json()
    assert listing == [{"id": sid, "name": "secret-case", "title": "Confidentiality test case",
                        "version": 1, "role": "delegate", "party": "ua"}]


def test_delegate_edits_only_its_own_preferences(world: Any) -> None:
    sid, ua = world.sid, world["ua_del"]
    r = ua.put(f"/api/scenarios/{sid}/preferences/ua", json={"base_version": 1,
                                                            "text": UA_PREFS})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    mine = ua.get(f"/api/scenarios/{sid}").json()["scenario"]["preferences"]["ua"]
    assert mine["notes"] == {"land": "edited by the Ukrainian delegation"}
    assert mine["values"]["land"]["half"] == 0.55
    # the rest of the stored text is kept, comments included
    stored = world.app.state.store.version(sid).text
    assert "RU-COMMENT-SECRET-6060" in stored and "edited by the Ukrainian" in stored
    r = ua.put(f"/api/scenarios/{sid}/preferences/ru", json={"base_version": 2,
                                                            "text": UA_PREFS})
    assert r.status_code == 403
    r = world["obs"].put(f"/api/scenarios/{sid}/preferences/ua",
                         json={"base_version": 2, "text": UA_PREFS})
    assert r.status_code == 403
    bad = ua.put(f"/api/scenarios/{sid}/preferences/ua",
                 json={"base_version": 2, "text": "weights: {land: 1, nowhere: 2}\nvalues: {}"})
    assert bad.status_code == 422
    assert all("ru" not in line.split(":")[1] for line in bad.json()["problems"])
    # the mediator may edit any party's preferences, as an object too
    r = world["med"].put(f"/api/scenarios/{sid}/preferences/eu", json={
        "base_version": 2, "preferences": yaml.safe_load(UA_PREFS)})
    assert r.status_code == 200 and r.json()["version"] == 3


def test_conflicting_save_gets_409_and_loses_nothing(world: Any) -> None:
    sid, med, ua = world.sid, world["med"], world["ua_del"]
    text = med.get(f"/api/scenarios/{sid}/download?format=yaml").text
    assert "RU-COMMENT-SECRET" in text  # the mediator gets the stored text
    r1 = ua.put(f"/api/scenarios/{sid}/preferences/ua", json={"base_version": 1,
                                                             "text": UA_PREFS})
    assert r1.status_code == 200
    edited = text.replace("Second draft", "Second draft (mediator)")
    r2 = med.put(f"/api/scenarios/{sid}", json={"base_version": 1, "text": edited,
                                                 "filename": "secret.yaml"})
    assert r2.status_code == 409
    assert r2.json()["current_version"] == 2 and r2.json()["your_text"] == edited
    now = med.get(f"/api/scenarios/{sid}").json()
    assert now["version"] == 2
    assert now["scenario"]["preferences"]["ua"]["values"]["land"]["half"] == 0.55
    r3 = med.put(f"/api/scenarios/{sid}", json={"base_version": 2, "text": edited,
                                                 "message": "renamed p2"})
    assert r3.status_code == 200 and r3.json()["version"] == 3
    assert med.get(f"/api/scenarios/{sid}").json()["scenario"]["plans"][1]["title"] == \
        "Second draft (mediator)"


def test_only_the_mediator_edits_the_scenario(world: Any) -> None:
    sid = world.sid
    text = world["ua_del"].get(f"/api/scenarios/{sid}/download").text
    for who in ("ua_del", "obs"):
        r = world[who].put(f"/api/scenarios/{sid}", json={"base_version": 1, "text": text})
        assert r.status_code == 403
    r = world["med"].put(f"/api/scenarios/{sid}", json={"base_version": 1,
                                                        "text": "scenario: [broken"})
    assert r.status_code == 422 and r.json()["problems"]


def test_history_diff_and_audit(world: Any) -> None:
    sid, med, ua = world.sid, world["med"], world["ua_del"]
    ua.put(f"/api/scenarios/{sid}/preferences/ua", json={"base_version": 1, "text": UA_PREFS})
    hist = ua.get(f"/api/scenarios/{sid}/versions").json()
    assert [(h["version"], h["author"]) for h in hist] == [(1, "med"), (2, "ua_del")]
    d = ua.get(f"/api/scenarios/{sid}/diff", params={"a": 1, "b": 2}).json()["diff"]
    added = [ln for ln in d.splitlines() if ln.startswith("+")]
    assert any(ln.strip() == "+" or "land: edited by the Ukrainian delegation" in ln
               for ln in added)
    assert any("land: edited by the Ukrainian delegation" in ln for ln in added)
    assert ua.get(f"/api/scenarios/{sid}/versions/1").json()["version"] == 1
    assert ua.get(f"/api/scenarios/{sid}/audit").status_code == 403
    log = med.get(f"/api/scenarios/{sid}/audit").json()
    assert {"user": "ua_del", "action": "preferences.save",
            "detail": "edited preferences of ua (version 2)"} in \
        [{k: e[k] for k in ("user", "action", "detail")} for e in log]
    assert any(e["action"] == "member.set" and e["detail"] == "ua_del is delegate for ua"
               for e in log)


def test_members(world: Any) -> None:
    sid, med = world.sid, world["med"]
    names = {m["username"]: (m["role"], m["party"])
             for m in world["obs"].get(f"/api/scenarios/{sid}/members").json()}
    assert names["ua_del"] == ("delegate", "ua") and names["med"] == ("mediator", None)
    r = med.post(f"/api/scenarios/{sid}/members", json={"username": "outsider",
                                                        "role": "delegate", "party": "xx"})
    assert r.status_code == 422
    # Invitations replace direct adding: a name that is not a member gets one answer,
    # whether or not such a user exists (no enumeration), and nobody is added.
    ghost = med.post(f"/api/scenarios/{sid}/members", json={"username": "ghost",
                                                            "role": "observer"})
    known = med.post(f"/api/scenarios/{sid}/members", json={"username": "outsider",
                                                            "role": "observer"})
    assert ghost.status_code == known.status_code == 404
    assert ghost.json() == known.json() and ghost.headers.keys() == known.headers.keys()
    assert "invite" in known.json()["detail"]
    listed = {m["username"] for m in med.get(f"/api/scenarios/{sid}/members").json()}
    assert "outsider" not in listed and "ghost" not in listed
    assert world["outsider"].get(f"/api/scenarios/{sid}").status_code == 404
    # a member's role changes in place
    r = med.post(f"/api/scenarios/{sid}/members", json={"username": "obs",
                                                        "role": "delegate", "party": "eu"})
    assert r.status_code == 200 and r.json()["party"] == "eu"
    assert med.post(f"/api/scenarios/{sid}/members",
                    json={"username": "obs", "role": "observer"}).status_code == 200
    gone = [med.call("DELETE", f"/api/scenarios/{sid}/members/{name}")
            for name in ("ghost", "outsider")]  # removing a non-member: one answer too
    assert gone[0].status_code == gone[1].status_code == 404
    assert gone[0].json() == gone[1].json()
    r = world["ua_del"].post(f"/api/scenarios/{sid}/members",
                             json={"username": "outsider", "role": "observer"})
    assert r.status_code == 403
    assert med.call("DELETE", f"/api/scenarios/{sid}/members/obs").status_code == 200
    assert world["obs"].get(f"/api/scenarios/{sid}").status_code == 404


def test_score_on_each_view(world: Any) -> None:
    sid = world.sid
    full = world["med"].get(f"/api/scenarios/{sid}/score").json()
    assert full["parties_scored"] == ["ua", "ru", "eu"]
    mine = world["ua_del"].get(f"/api/scenarios/{sid}/score", params={"plan": "p2"}).json()
    assert mine["parties_scored"] == ["ua"] and [p["id"] for p in mine["plans"]] == ["p2"]
    assert world["obs"].get(f"/api/scenarios/{sid}/score").status_code == 403
    assert world["ua_del"].get(f"/api/scenarios/{sid}/score",
                               params={"plan": "nope"}).status_code == 422


def _wait(api: Any, sid: int, jid: int) -> dict[str, Any]:
    for _ in range(300):
        job = api.get(f"/api/scenarios/{sid}/jobs/{jid}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_background_jobs_publish_and_redaction(world: Any, markers: dict[str, list[str]]
                                               ) -> None:
    sid, med = world.sid, world["med"]
    r = med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "solve", "method": "nash"})
    assert r.status_code == 202
    jid = r.json()["id"]
    job = _wait(med, sid, jid)
    assert job["status"] == "done", job
    assert job["result"]["solve"]["method"] == "nash"
    assert job["result"]["solve"]["packages"][0]["utilities"].keys() == {"ua", "ru", "eu"}
    # unpublished: the parties do not see it at all
    assert world["ua_del"].get(f"/api/scenarios/{sid}/jobs/{jid}").status_code == 404
    assert world["ua_del"].get(f"/api/scenarios/{sid}/jobs").json() == []
    assert world["ua_del"].post(f"/api/scenarios/{sid}/jobs",
                                json={"kind": "solve"}).status_code == 403
    assert world["ua_del"].post(f"/api/scenarios/{sid}/jobs/{jid}/publish",
                                json={"published": True}).status_code == 403
    assert med.post(f"/api/scenarios/{sid}/jobs/{jid}/publish",
                    json={"published": True}).status_code == 200
    seen = world["ua_del"].get(f"/api/scenarios/{sid}/jobs/{jid}")
    assert seen.status_code == 200
    body = seen.json()
    assert body["result"]["solve"]["packages"][0]["utilities"].keys() == {"ua", "ru", "eu"}
    assert set(body["result"]["solve"]["disagreement"]) == {"ua"}
    assert not any(m in seen.text for m in markers["ru"] + markers["eu"])
    obs = world["obs"].get(f"/api/scenarios/{sid}/jobs/{jid}")
    assert obs.status_code == 200 and obs.json()["result"]["solve"]["disagreement"] == {}
    # a delegate's own score job: visible to it and the mediator, not to the other party
    r = world["ua_del"].post(f"/api/scenarios/{sid}/jobs", json={"kind": "score"})
    assert r.status_code == 202
    own = _wait(world["ua_del"], sid, r.json()["id"])
    assert own["status"] == "done" and own["result"]["parties_scored"] == ["ua"]
    assert world["ru_del"].get(f"/api/scenarios/{sid}/jobs/{own['id']}").status_code == 404
    assert world["med"].get(f"/api/scenarios/{sid}/jobs/{own['id']}").status_code == 200


def test_robustness_job(world: Any) -> None:
    sid, med = world.sid, world["med"]
    r = med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "robustness", "samples": 200,
                                                     "plan": "p2"})
    assert r.status_code == 202, r.text
    job = _wait(med, sid, r.json()["id"])
    assert job["status"] == "done", job
    assert job["progress"] == 1.0


def test_downloads(world: Any, markers: dict[str, list[str]]) -> None:
    sid = world.sid
    y = world["ua_del"].get(f"/api/scenarios/{sid}/download?format=yaml")
    assert y.status_code == 200 and "attachment" in y.headers["content-disposition"]
    data = yaml.safe_load(y.text)
    assert set(data["preferences"]) == {"ua"}
    assert not any(m in y.text for m in markers["ru"])
    j = world["obs"].get(f"/api/scenarios/{sid}/download?format=json")
    assert j.status_code == 200 and "preferences" not in j.json()
    rep = world["med"].get(f"/api/scenarios/{sid}/report")
    assert rep.status_code == 200, rep.text
    assert rep.text.lstrip().lower().startswith("<!doctype html")
    assert "sandbox" in rep.headers["content-security-policy"]


def test_only_the_mediator_downloads_the_report(world: Any) -> None:
    """A report compares the parties; a delegate's or observer's view has at most one scored
    party, so they get a plain 403 (not a 422 that always fails) and no link to it."""
    sid = world.sid
    for role in ("ua_del", "ru_del", "obs"):
        r = world[role].get(f"/api/scenarios/{sid}/report")
        assert r.status_code == 403, (role, r.status_code, r.text)
        assert "download report" in r.json()["detail"]
        assert 'id="download-report"' not in world[role].get(f"/scenarios/{sid}").text
    assert world["outsider"].get(f"/api/scenarios/{sid}/report").status_code == 404
    assert 'id="download-report"' in world["med"].get(f"/scenarios/{sid}").text


def test_create_from_json_and_reject_bad_text(world: Any) -> None:
    import json

    med = world["med"]
    data = yaml.safe_load(SMALL.read_text())
    r = med.post("/api/scenarios", json={"text": json.dumps(data, default=str),
                                         "filename": "small.json"})
    assert r.status_code == 201
    assert med.get(f"/api/scenarios/{r.json()['id']}").json()["name"] == "small"
    r = med.post("/api/scenarios", json={"text": "parties: [", "filename": "x.yaml"})
    assert r.status_code == 422 and "invalid YAML" in r.json()["problems"][0]


def test_no_route_adds_users_directly(world: Any) -> None:
    """People join through invitations (tests/web/test_accounts.py); the server's operator adds
    the first users with `accord users add`."""
    r = world["med"].post("/api/users", json={"username": "carol", "password": "long enough 1"})
    assert r.status_code == 405
    assert world.app.state.store.user_by_name("carol") is None


def test_pages_render_for_each_role(world: Any, markers: dict[str, list[str]]) -> None:
    sid = world.sid
    assert world["anon"].client.get("/", follow_redirects=False).status_code == 303
    assert world["anon"].client.get("/login").status_code == 200
    page = world["ua_del"].get(f"/scenarios/{sid}")
    assert page.status_code == 200 and 'id="prefs-ua"' in page.text
    assert 'id="prefs-ru"' not in page.text and 'id="edit-form"' not in page.text
    assert not any(m in page.text for m in markers["ru"] + markers["eu"])
    med_page = world["med"].get(f"/scenarios/{sid}").text
    assert 'id="edit-form"' in med_page and "RU-COMMENT-SECRET" in med_page
    assert world["outsider"].get(f"/scenarios/{sid}").status_code == 404
    assert world["obs"].get(f"/scenarios/{sid}/history").status_code == 200
    assert world["obs"].get(f"/scenarios/{sid}/diff?a=1&b=1").status_code == 200
    r = world["med"].get("/static/vendor/plotly.min.js")
    assert r.status_code == 200 and len(r.content) > 100_000
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_core_analyses_are_imported_plainly(world: Any) -> None:
    """accord.solve, .evaluate, .report, .uncertainty and .io.genius are part of accord: the web
    layer imports them without "not available" fallbacks, and takes the solver's method list
    from accord.solve itself."""
    import ast
    import inspect

    from accord.solve import METHODS
    from accord.web import service

    tree = ast.parse(inspect.getsource(service))
    guarded = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)
               and isinstance(n.type, ast.Name) and n.type.id == "ImportError"]
    assert guarded == [], f"ImportError fallbacks at service.py lines {guarded}"
    assert "import_module" not in inspect.getsource(service)
    r = world["med"].post(f"/api/scenarios/{world.sid}/jobs", json={"kind": "solve",
                                                                     "method": "nope"})
    assert r.status_code == 422 and r.json()["detail"].endswith(", ".join(METHODS))


def test_a_stored_version_with_an_id_breaking_the_rule_loads_with_a_warning(world) -> None:
    """Issue 12: text saved before the id rule still opens, and says how to fix the id; new
    text with such an id is refused."""
    store = world.app.state.store
    text = store.version(world.sid, None).text
    assert "id: ua," in text or "id: ua\n" in text
    bad = text.replace("scenario: secret-case", "scenario: secret case", 1)
    med = store.user_by_name("med")
    store.save_version(world.sid, 1, bad, "yaml", med.id, "before the id rule")
    r = world["med"].get(f"/api/scenarios/{world.sid}")
    assert r.status_code == 200, r.text
    warnings = r.json()["warnings"]
    assert len(warnings) == 1 and "'secret case' is not a valid id" in warnings[0]
    assert "fix: rename it" in warnings[0] and "secret_case" in warnings[0]
    page = world["med"].get(f"/scenarios/{world.sid}")
    assert page.status_code == 200 and 'id="stored-warnings"' in page.text
    assert "secret_case" in page.text
    again = world["med"].put(f"/api/scenarios/{world.sid}",
                             json={"text": bad, "base_version": 2, "filename": "s.yaml"})
    assert again.status_code == 422 and "not a valid id" in again.text


def test_a_delegate_cannot_change_the_analysts_beliefs(world) -> None:
    """Issue 14: `uncertainty` and red-line `probability` belong to the mediator. A delegate's
    save that changes them is refused with 422; the same block without the change saves."""
    ua = world["ua_del"]
    view = ua.get(f"/api/scenarios/{world.sid}").json()
    prefs = view["scenario"]["preferences"]["ua"]
    version = view["version"]
    red = [dict(r) for r in prefs.get("red_lines", [])]
    assert red, "the fixture gives ua a red line"
    for change in ({"uncertainty": {"values": {"sd": 0.3}}},
                   {"red_lines": [{**red[0], "probability": 0.5}] + red[1:]}):
        r = ua.put(f"/api/scenarios/{world.sid}/preferences/ua",
                   json={"preferences": {**prefs, **change}, "base_version": version})
        assert r.status_code == 422 and "set by the mediator" in r.text, r.text
    ok = ua.put(f"/api/scenarios/{world.sid}/preferences/ua",
                json={"preferences": prefs, "base_version": version})
    assert ok.status_code == 200, ok.text
    med = world["med"].get(f"/api/scenarios/{world.sid}").json()
    changed = {**med["scenario"]["preferences"]["ua"], "uncertainty": {"values": {"sd": 0.3}}}
    r = world["med"].put(f"/api/scenarios/{world.sid}/preferences/ua",
                         json={"preferences": changed, "base_version": med["version"]})
    assert r.status_code == 200, r.text
