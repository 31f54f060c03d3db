"""The holes of the outside review (issue 17), each closed: body cap, sign-in back-off, lost
updates, byte-range preference saves, script-safe JSON, leaks of messages and user names."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PASSWORD = "correct horse battery"


def _sign_in(c: TestClient, name: str, password: str = PASSWORD) -> Any:
    return c.post("/api/session", json={"username": name, "password": password})


# 6. request body cap --------------------------------------------------------------------------

def test_bodies_over_the_cap_get_413_before_parsing(db_url: str) -> None:
    from tests.web.conftest import make_app

    app = make_app(db_url, max_body=2_000)
    try:
        c = TestClient(app)
        big = json.dumps({"username": "med", "password": "x" * 5_000})
        r = c.post("/api/session", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and "larger than 2000 bytes" in r.text

        def chunks() -> Any:  # no Content-Length: counted while streaming
            yield b'{"username": "med", "password": "'
            for _ in range(10):
                yield b"x" * 500
            yield b'"}'

        r = c.post("/api/session", content=chunks(), headers={"content-type":
                                                              "application/json"})
        assert r.status_code == 413
        assert _sign_in(c, "med").status_code == 200  # small bodies still pass
    finally:
        app.state.jobs.shutdown()
        app.state.store.close()


# 5. sign-in back-off ------------------------------------------------------------------------

def test_concurrent_wrong_guesses_are_counted_before_hashing(db_url: str) -> None:
    from accord.web.security import hash_password
    from tests.web.conftest import make_app

    app = make_app(db_url, login_limit=2, login_window=3600)
    # A real (slow, default-cost) argon2 hash, so the guesses overlap while hashing.
    app.state.store.create_user("slow", hash_password(PASSWORD))
    try:
        codes: list[int] = []

        def guess() -> None:
            codes.append(_sign_in(TestClient(app), "slow", "wrong guess").status_code)

        threads = [threading.Thread(target=guess) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert codes.count(401) <= 2 and codes.count(429) >= 6, codes
    finally:
        app.state.jobs.shutdown()
        app.state.store.close()


def test_guesses_from_elsewhere_do_not_lock_the_real_user_out(db_url: str) -> None:
    from tests.web.conftest import make_app

    app = make_app(db_url, login_limit=3, login_window=3600)  # back-off from a minute
    try:
        attacker = TestClient(app, client=("203.0.113.7", 4444))
        codes = [_sign_in(attacker, "med", "wrong").status_code for _ in range(6)]
        assert codes[:3] == [401] * 3 and set(codes[3:]) == {429}
        owner = TestClient(app, client=("198.51.100.2", 5555))
        assert _sign_in(owner, "med").status_code == 200
    finally:
        app.state.jobs.shutdown()
        app.state.store.close()


def test_back_off_doubles_up_to_its_cap() -> None:
    from accord.web.security import Backoff

    b = Backoff(free=2, base=1.0, cap=8.0)
    assert [b.delay(n) for n in range(1, 8)] == [0.0, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    b.reserve("k")
    b.reserve("k")
    assert b.wait("k") > 0  # the second failure already imposes the wait
    b.release("k", reset=True)
    assert b.wait("k") == 0


def test_password_hashing_is_bounded(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Count how many argon2 verifications run at once while 12 sign-ins arrive together."""
    from accord.web import security
    from tests.web.conftest import make_app

    real = security.verify_password
    running, most = [0], [0]
    lock = threading.Lock()

    def counted(stored: str | None, password: str) -> bool:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real(stored, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(security, "verify_password", counted)
    app = make_app(db_url, login_limit=100, hashing=2)
    try:
        threads = [threading.Thread(target=lambda i=i: _sign_in(
            TestClient(app, client=(f"10.0.0.{i}", 1)), "med")) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert 1 <= most[0] <= 2
    finally:
        app.state.jobs.shutdown()
        app.state.store.close()


# 2. lost updates ----------------------------------------------------------------------------

def _viewer(app: Any, sid: int, name: str) -> Any:
    ws = app.state.workspace
    return ws.viewer(app.state.store.user_by_name(name), sid)


def _prefs_with(ws: Any, sid: int, number: int, party: str, marker: int) -> dict[str, Any]:
    _, full = ws.load(sid, number)
    data = full.preferences[party].model_dump(mode="json", exclude_none=True,
                                              exclude_defaults=True)
    data["weights"]["land"] = marker
    return data


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offsets=st.lists(st.sampled_from([0, 0, 1, -1]), min_size=12, max_size=12))
def test_concurrent_saves_from_every_role_lose_nothing(world: Any, offsets: list[int]) -> None:
    """Delegates (some claiming a version still in flight), the mediator's whole-text edits
    and an observer save at once: every acknowledged change survives unless a later
    acknowledged change of the same author replaced it; the rest were refused."""
    from accord.io.loader import read_data
    from accord.web.service import WebError
    from tests.web.conftest import SECRET

    app = world.app
    ws, store = app.state.workspace, app.state.store
    med = world["med"]
    sid = med.post("/api/scenarios", json={"text": SECRET.read_text(),
                                           "filename": "secret.yaml"}).json()["id"]
    # people join through invitations (tests/web/test_accounts.py); here, directly
    for name, role, party in (("ua_del", "delegate", "ua"), ("ru_del", "delegate", "ru"),
                              ("eu_del", "delegate", "eu"), ("obs", "observer", None)):
        user = store.user_by_name(name)
        store.set_member(sid, user.id, role, party, user.id, name)
    acked: list[tuple[int, str, int]] = []  # (version, what, marker)
    refused: list[int] = []
    counter = iter(range(10, 10_000))
    lock = threading.Lock()

    def work(name: str, party: str | None, steps: list[int]) -> None:
        viewer = _viewer(app, sid, name)
        for off in steps:
            with lock:
                marker = next(counter)
            seen = store.scenario(sid).current_version
            try:
                if party is None:  # the mediator edits the whole text of what it read
                    text = store.version(sid, seen).text
                    text = re.sub(r"(?m)^title: .*$", f"title: Title {marker}", text)
                    out = ws.save(viewer, sid, text, seen, "secret.yaml")
                    what = "title"
                else:
                    prefs = _prefs_with(ws, sid, seen, party, marker)
                    out = ws.save_preferences(viewer, sid, party, prefs, max(1, seen + off))
                    what = party
                with lock:
                    acked.append((out["version"], what, marker))
            except WebError as exc:
                assert exc.status in (403, 409), exc.detail
                with lock:
                    refused.append(marker)
            except Exception as exc:  # noqa: BLE001 - a refusal by policy
                assert type(exc).__name__ == "Forbidden"
                with lock:
                    refused.append(marker)

    roles = [("ua_del", "ua"), ("ru_del", "ru"), ("eu_del", "eu"), ("med", None),
             ("obs", "ua")]
    threads = [threading.Thread(target=work, args=(n, p, offsets[i::4]))
               for i, (n, p) in enumerate(roles)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    versions = sorted(v for v, _, _ in acked)
    assert versions == list(range(2, 2 + len(acked)))  # one version per acknowledged save
    def has(number: int | None, what: str, marker: int) -> bool:
        data, _ = read_data(store.version(sid, number).text, "s.yaml")
        return bool(data["title"] == f"Title {marker}" if what == "title"
                    else data["preferences"][what]["weights"]["land"] == marker)

    for what in ("ua", "ru", "eu", "title"):
        mine = sorted((v, m) for v, w, m in acked if w == what)
        if mine:
            assert has(None, what, mine[-1][1]), what  # the last one survives
    for v, what, marker in acked:  # and each is in the version it created
        assert has(v, what, marker)


def test_a_base_version_not_yet_saved_is_refused(world: Any) -> None:
    sid, ua = world.sid, world["ua_del"]
    r = ua.put(f"/api/scenarios/{sid}/preferences/ua",
               json={"base_version": 2, "text": "weights: {land: 1}\nvalues: {}"})
    assert r.status_code == 409 and r.json()["current_version"] == 1


# 3. byte-range preference saves -------------------------------------------------------------

UA_AS_WRITTEN = """\
weights: {land: 5, army: 3, bloc: 2}
values:
  land: {all: 1, half: 0.161803, none: 0}
  army: {none: 1, 800000: 0.577215, 600000: 0}
  bloc: {join: 1, neutral: 0.0314159}
red_lines:
  - {issue: land, forbid: [none], note: UA-REDLINE-NOTE-3390}
rationale: UA-RATIONALE-SECRET-1203
notes: {land: UA-SECRET-NOTE-4410}
"""


def test_an_unchanged_save_changes_no_byte(world: Any) -> None:
    sid, ua = world.sid, world["ua_del"]
    before = world.app.state.store.version(sid).text
    r = ua.put(f"/api/scenarios/{sid}/preferences/ua", json={"base_version": 1,
                                                            "text": UA_AS_WRITTEN})
    assert r.status_code == 200, r.text
    assert world.app.state.store.version(sid).text == before


def test_a_save_changes_only_the_block_and_keeps_numbers_as_written(world: Any) -> None:
    sid, ua = world.sid, world["ua_del"]
    before = world.app.state.store.version(sid).text
    edited = UA_AS_WRITTEN.replace("half: 0.161803", "half: 0.50")
    r = ua.put(f"/api/scenarios/{sid}/preferences/ua", json={"base_version": 1,
                                                            "text": edited})
    assert r.status_code == 200, r.text
    after = world.app.state.store.version(sid).text
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
               if a != b]
    assert changed == [("      land: {all: 1, half: 0.161803, none: 0}",
                        "      land: {all: 1, half: 0.50, none: 0}")]
    # as an object, a number is written as the shortest text that reads back the same
    r = world["med"].put(f"/api/scenarios/{sid}/preferences/eu", json={
        "base_version": 2, "preferences": {"weights": {"land": 0.1},
                                           "values": {"land": {"all": 1, "half": 0.3,
                                                               "none": 0}}}})
    assert r.status_code == 200, r.text
    text = world.app.state.store.version(sid).text
    # in the file's style: eu's weights were a flow mapping and stay one
    assert "    weights: {land: 0.1}\n" in text and "half: 0.3," in text
    assert "0.1000000" not in text and "0.3000000" not in text
    assert text.split("  eu:")[0] == after.split("  eu:")[0]


def test_json_scenarios_are_spliced_too(world: Any) -> None:
    from accord.io.loader import dump_text, parse_text
    from tests.web.conftest import SECRET

    med = world["med"]
    # Laid out unlike the loader's own dump, so a rewrite of the whole file would show.
    data = json.loads(dump_text(parse_text(SECRET.read_text(), "s.yaml")[0], "json"))
    original = json.dumps(data, indent=4)
    sid = med.post("/api/scenarios", json={"text": original,
                                           "filename": "s.json"}).json()["id"]
    new = {"weights": {"land": 1},
           "values": {"land": {"all": 1, "half": 0.25, "none": 0}}}
    r = med.put(f"/api/scenarios/{sid}/preferences/ru", json={"base_version": 1,
                                                             "preferences": new})
    assert r.status_code == 200, r.text
    text = world.app.state.store.version(sid).text
    start = original.index('        "ru": {')
    assert text[:start] == original[:start]
    assert text.endswith(original[original.index('        "eu": {') - 10:])
    assert json.loads(text)["preferences"]["ru"] == new


ANCHORED = """\
scenario: anchored
title: &t Anchored case
parties:
  - {id: a, name: A, role: party}
  - {id: b, name: B, role: party}
issues:
  - {id: x, name: X, options: [p, q]}
preferences:
  a:
    weights: &w {x: 1}
    values: {x: {p: 1, q: 0}}
  b:
    weights: *w
    values: {x: {p: 0, q: 1}}
plans:
  - {id: p1, title: *t, choices: {x: p}}
"""


def test_blocks_sharing_anchors_are_refused() -> None:
    from accord.web import blocks

    prefs = {"weights": {"x": 2}, "values": {"x": {"p": 1, "q": 0}}}
    with pytest.raises(blocks.BlockError, match="shares YAML anchors"):
        blocks.replace_preferences(ANCHORED, "yaml", "a", prefs)


def test_a_block_that_would_change_the_rest_is_refused() -> None:
    from accord.web import blocks

    text = ANCHORED.replace("weights: *w", "weights: {x: 1}")
    hijack = "weights: {x: 1}\nvalues: {x: {p: 1, q: 0}}\nrationale: &t Hijacked\n"
    prefs = {"weights": {"x": 1}, "values": {"x": {"p": 1, "q": 0}}, "rationale": "Hijacked"}
    with pytest.raises(blocks.BlockError, match="outside"):
        blocks.replace_preferences(text, "yaml", "b", prefs, hijack)
    # without the anchor the same save goes through, and only b's lines change
    ok = blocks.replace_preferences(text, "yaml", "b", prefs, hijack.replace("&t ", ""))
    assert ok.split("  b:")[0] == text.split("  b:")[0]
    assert ok.split("plans:")[1] == text.split("plans:")[1]


def test_a_party_without_preferences_gets_a_new_block() -> None:
    from accord.web import blocks

    text = ANCHORED.replace("weights: *w", "weights: {x: 1}")
    text = text.replace("  - {id: b, name: B, role: party}\n",
                        "  - {id: b, name: B, role: party}\n  - {id: c, name: C, role: party}\n")
    prefs = {"weights": {"x": 3}, "values": {"x": {"p": 0.5, "q": 0}}}
    new = blocks.replace_preferences(text, "yaml", "c", prefs)
    assert new.startswith(text.split("plans:")[0].rstrip("\n"))
    # in the file's style: small maps of scalars in flow style, as the file writes them
    assert "  c:\n    weights: {x: 3}\n    values:\n      x: {p: 0.5, q: 0}\nplans:" in new
    block_style = """\
scenario: plain
title: Block style
parties:
  - id: a
    name: A
    role: party
  - id: c
    name: C
    role: party
issues:
  - id: x
    name: X
    options:
      - p
      - q
preferences:
  a:
    weights:
      x: 1
    values:
      x:
        p: 1
        q: 0
"""
    kept = blocks.replace_preferences(block_style, "yaml", "c", prefs)
    assert "  c:\n    weights:\n      x: 3\n" in kept  # a block-style file stays block style


# 4. JSON inside <script> --------------------------------------------------------------------

HOSTILE = "<!--<script></script><script>alert(1)</script>&amp;"


def test_job_page_json_cannot_leave_its_script_element(world: Any) -> None:
    sid, med = world.sid, world["med"]
    text = med.get(f"/api/scenarios/{sid}/download?format=yaml").text
    text = text.replace("title: Second draft", f"title: '{HOSTILE}'")
    assert med.put(f"/api/scenarios/{sid}", json={"base_version": 1, "text": text,
                                                   "filename": "s.yaml"}).status_code == 200
    job = med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "score"}).json()["id"]
    world.wait()
    page = med.get(f"/scenarios/{sid}/jobs/{job}").text
    body = page.split('<script type="application/json" id="job-data">', 1)[1]
    inside = body.split("</script>", 1)[0]
    assert "<" not in inside and ">" not in inside and "&" not in inside
    assert HOSTILE in json.dumps(json.loads(inside), ensure_ascii=False)


# low --------------------------------------------------------------------------------------

def test_delegates_messages_reach_only_the_mediator_and_their_author(world: Any) -> None:
    sid = world.sid
    r = world["ua_del"].put(f"/api/scenarios/{sid}/preferences/ua", json={
        "base_version": 1, "text": UA_AS_WRITTEN, "message": "UA-MESSAGE-SECRET-77"})
    assert r.status_code == 200
    for name, sees in (("med", True), ("ua_del", True), ("ru_del", False), ("obs", False)):
        history = world[name].get(f"/api/scenarios/{sid}/versions").json()
        assert ("UA-MESSAGE-SECRET-77" in json.dumps(history)) is sees, name
        page = world[name].get(f"/scenarios/{sid}/history")
        if page.status_code == 200:
            assert ("UA-MESSAGE-SECRET-77" in page.text) is sees, name


def test_swagger_page_is_dropped_and_the_schema_kept(app: Any) -> None:
    c = TestClient(app)
    assert c.get("/docs").status_code == 404
    assert c.get("/openapi.json").status_code == 200


def test_score_cache_is_keyed_on_the_set_of_plans(world: Any) -> None:
    sid, med = world.sid, world["med"]
    ws = world.app.state.workspace
    a = med.get(f"/api/scenarios/{sid}/score?plan=p2&plan=p1&plan=p1&improvement=false")
    b = med.get(f"/api/scenarios/{sid}/score?plan=p1&plan=p2&improvement=false")
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json() and len(ws._scores) == 1


# analyses are capped --------------------------------------------------------------------------

def test_analyses_stop_at_their_time_cap_and_the_queue_is_bounded(
        world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from accord.web import jobs

    sid, med = world.sid, world["med"]
    world.app.state.jobs.max_seconds = 0.0  # every analysis is over time at its first report
    r = med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "robustness", "samples": 5000})
    assert r.status_code == 202
    world.wait()
    got = med.get(f"/api/scenarios/{sid}/jobs/{r.json()['id']}").json()
    assert got["status"] == "failed" and "longer than" in got["error"]
    monkeypatch.setattr(jobs, "MAX_PENDING", 0)
    r = med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "score"})
    assert r.status_code == 503 and "retry" in r.json()["detail"]
    r = med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "robustness",
                                                      "samples": 1_000_000})
    assert r.status_code == 422


def test_a_delegate_sets_its_own_party_fields_in_place(world: Any) -> None:
    sid, ua = world.sid, world["ua_del"]
    before = world.app.state.store.version(sid).text
    r = ua.put(f"/api/scenarios/{sid}/preferences/ua", json={
        "base_version": 1, "text": UA_AS_WRITTEN,
        "party_fields": {"reservation": 0.25, "note": "UA note, edited"}})
    assert r.status_code == 200, r.text
    after = world.app.state.store.version(sid).text
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
               if a != b]
    assert changed == [(
        "  - {id: ua, name: Ukraine, role: party, reservation: 0.3579, capability: 0.4111, "
        "note: UA-PARTY-NOTE-5521}",
        '  - {id: ua, name: Ukraine, role: party, reservation: 0.25, capability: 0.4111, '
        'note: "UA note, edited"}')]
    r = ua.put(f"/api/scenarios/{sid}/preferences/ua", json={
        "base_version": 2, "text": UA_AS_WRITTEN, "party_fields": {"name": "renamed"}})
    assert r.status_code == 422


def test_a_null_party_field_is_removed_in_the_entrys_own_style() -> None:
    """Issue 18's form clears the note by sending null: the key goes, nothing else moves."""
    from accord.web import blocks

    prefs = {"weights": {"x": 1}, "values": {"x": {"p": 1, "q": 0}}}
    flow = ANCHORED.replace("weights: *w", "weights: {x: 1}").replace(
        "{id: b, name: B, role: party}",
        "{id: b, name: B, role: party, reservation: 0.25, note: gone soon}")
    same = {"weights": {"x": 1}, "values": {"x": {"p": 0, "q": 1}}}
    new = blocks.replace_preferences(flow, "yaml", "b", same, None,
                                     {"note": None, "capability": None})
    assert new == flow.replace(", note: gone soon}", "}")
    block = ("scenario: s\nparties:\n  - note: first key\n    id: a   # the id\n"
             "    name: A\n    reservation: 0.5  # walk-away\n    role: party\n"
             "  - {id: b, name: B, role: party}\nissues:\n  - {id: x, name: X, options: [p, q]}\n")
    new = blocks.replace_preferences(block, "yaml", "a", prefs, None,
                                     {"note": None, "reservation": None})
    assert new.startswith("scenario: s\nparties:\n  - id: a   # the id\n    name: A\n"
                          "    role: party\n  - {id: b")
    with pytest.raises(blocks.BlockError, match="party's own fields"):
        blocks.replace_preferences(block, "yaml", "a", prefs, None, {"name": None})
