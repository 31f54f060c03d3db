"""Every route in the OpenAPI document, called by every role: no 5xx, and no preference of a
party reaches anyone but that party's delegates and the mediator.

Each party's preferences in data/secret.yaml carry distinctive numbers and notes (MARKERS in
conftest.py); a leak of any of them would show up as a substring of some response body. The
mediator publishes every result before the second pass, so redaction of published results is
exercised too.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from tests.web.conftest import with_stances

ROLES = ["med", "ua_del", "ru_del", "eu_del", "obs", "outsider", "anon"]
# Which parties' markers each role may see.
MAY_SEE = {"med": {"ua", "ru", "eu"}, "ua_del": {"ua"}, "ru_del": {"ru"}, "eu_del": {"eu"},
           "obs": set(), "outsider": set(), "anon": set()}

PREFS_OK = """weights: {land: 1, army: 1, bloc: 1}
values:
  land: {all: 1, half: 0.5, none: 0}
  army: {none: 1, 800000: 0.5, 600000: 0}
  bloc: {join: 1, neutral: 0}
"""
PREFS_BAD = "weights: {land: 1, bogus: 2}\nvalues: {land: {all: 2}}\n"


def _bodies(method: str, path: str, role: str, text: str) -> list[Any]:
    """Request bodies worth trying for one operation: valid ones and invalid ones."""
    key = f"{method} {path}"
    if key == "POST /api/session":
        return [{"username": role, "password": "wrong password"}]
    if key == "POST /api/scenarios":
        return [{"text": text, "filename": "secret.yaml"}, {"text": "parties: [",
                                                             "filename": "x.yaml"}]
    if key == "PUT /api/scenarios/{scenario_id}":
        return [{"base_version": 1, "text": text}, {"base_version": 99, "text": "x: ["}]
    if key == "PUT /api/scenarios/{scenario_id}/preferences/{party}":
        return [{"base_version": 1, "text": PREFS_OK}, {"base_version": 3, "text": PREFS_BAD},
                {"base_version": 3, "preferences": {"weights": "nonsense"}}]
    if key == "POST /api/scenarios/{scenario_id}/members":
        return [{"username": "nobody", "role": "observer"},
                {"username": "outsider", "role": "delegate", "party": "zz"}]
    if key == "POST /api/scenarios/{scenario_id}/jobs":
        return [{"kind": "score"}, {"kind": "solve", "method": "nash"},
                {"kind": "robustness", "samples": 50, "plan": "p2"}, {"kind": "solve",
                                                                      "method": "nope"},
                {"kind": "calibrate", "samples": 50, "seed": 1}]
    if key == "POST /api/scenarios/{scenario_id}/jobs/{job_id}/publish":
        return [{"published": True}]
    # issue 18: invitations, accounts, the preference form
    if key == "POST /api/scenarios/{scenario_id}/invitations":
        return [{"role": "delegate", "party": "ua"}, {"role": "delegate"},
                {"role": "observer", "hours": 0}]
    if key == "POST /api/invitations/{token}/accept":
        # taken names and wrong passwords only: the matrix's roles must keep their roles
        return [{"mode": "existing", "username": role, "password": "wrong password"},
                {"mode": "new", "username": "ru_del", "password": "a long password"},
                {"mode": "signed_in"}, {"mode": "new"}]
    if key == "PUT /api/session/password":
        return [{"current_password": "wrong password", "new_password": "a long password"},
                {"current_password": "x", "new_password": "short"}]
    if key == "POST /api/users/{username}/disable":
        return [{"disabled": False}, {"disabled": "maybe"}]
    if key in ("POST /scenarios/{scenario_id}/preferences/{party}",
               "POST /scenarios/{scenario_id}/preferences/{party}/preview"):
        form = {"base_version": "1", "action": "preview", "w.0": "1", "w.1": "1", "w.2": "1",
                "v.0.0": "1", "v.0.1": "0.5", "v.0.2": "0", "v.1.0": "1", "v.1.1": "0.5",
                "v.1.2": "0", "v.2.0": "1", "v.2.1": "0", "reservation": "0.1"}
        return [FORM(form), FORM({**form, "action": "save", "v.0.1": "7"}), None]
    return [None]


class FORM(dict):  # type: ignore[type-arg]
    """A body sent as an HTML form (with the session's CSRF token) instead of JSON."""


def _expand(path: str, values: dict[str, list[Any]]) -> list[str]:
    names = re.findall(r"{(\w+)}", path)
    for n in names:
        assert n in values, f"the matrix does not know how to fill {{{n}}} in {path}"
    out = []
    for combo in itertools.product(*(values[n] for n in names)):
        p = path
        for n, v in zip(names, combo, strict=True):
            p = p.replace("{" + n + "}", str(v))
        out.append(p)
    return out


def _query(op: dict[str, Any]) -> list[dict[str, Any]]:
    required = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"
                and p.get("required")]
    optional = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"
                and not p.get("required")]
    known = {"a": 1, "b": 2, "format": "json", "version": 1, "plan": "p1", "improvement": True,
             "saved": 2, "tab": "yaml"}
    for n in required:
        assert n in known, f"the matrix does not know query parameter {n}"
    base = {n: known[n] for n in required}
    variants = [base]
    if optional:
        variants.append({**base, **{n: known[n] for n in optional if n in known}})
    return variants


# Status each role gets for routes whose answer depends on the role alone (not on the body).
EXPECTED = {
    "GET /api/scenarios/{scenario_id}/report": {
        "med": 200, "ua_del": 403, "ru_del": 403, "eu_del": 403, "obs": 403, "outsider": 404,
        "anon": 401},
    "GET /api/scenarios/{scenario_id}/invitations": {
        "med": 200, "ua_del": 403, "ru_del": 403, "eu_del": 403, "obs": 403, "outsider": 404,
        "anon": 401},
    "GET /api/users": {
        "med": 200, "ua_del": 403, "ru_del": 403, "eu_del": 403, "obs": 403, "outsider": 403,
        "anon": 401},
    "GET /scenarios/{scenario_id}/members": {
        "med": 200, "ua_del": 200, "ru_del": 200, "eu_del": 200, "obs": 200, "outsider": 404,
        "anon": 200},  # anon: redirected to the sign-in page
    # issue 19: the report viewed in the browser holds every party's preferences
    "GET /scenarios/{scenario_id}/report": {
        "med": 200, "ua_del": 403, "ru_del": 403, "eu_del": 403, "obs": 403, "outsider": 404,
        "anon": 200},  # anon: redirected to the sign-in page
    "GET /admin/users": {
        "med": 200, "ua_del": 403, "ru_del": 403, "eu_del": 403, "obs": 403, "outsider": 403,
        "anon": 200},  # anon: redirected to the sign-in page
}
# Routes whose status depends on the role and on the party in the path.
EXPECTED_BY_PARTY = {
    "GET /scenarios/{scenario_id}/preferences/{party}": {
        "med": {"ua": 200, "ru": 200, "eu": 200}, "ua_del": {"ua": 200, "ru": 403, "eu": 403},
        "ru_del": {"ua": 403, "ru": 200, "eu": 403}, "eu_del": {"ua": 403, "ru": 403, "eu": 200},
        "obs": {"ua": 403, "ru": 403, "eu": 403},
        "outsider": {"ua": 404, "ru": 404, "eu": 404}, "anon": {"ua": 200, "ru": 200, "eu": 200}},
}


def _check(role: str, label: str, response: Any, markers: dict[str, list[str]],
           seen: dict[str, set[str]]) -> None:
    assert response.status_code < 500, f"{role} {label}: {response.status_code} {response.text}"
    body = response.text
    for party, ms in markers.items():
        found = [m for m in ms if m in body]
        if party in MAY_SEE[role]:
            seen[role].update(found)
        else:
            assert not found, f"{role} got {party}'s preferences {found} from {label}"


def test_every_route_for_every_role(world: Any, markers: dict[str, list[str]]) -> None:
    sid = world.sid
    med = world["med"]
    text = med.get(f"/api/scenarios/{sid}/download").text
    # version 2: the parties' reactions, so that a calibration runs (issue 19)
    assert med.put(f"/api/scenarios/{sid}", json={"base_version": 1, "text": with_stances(text)}
                   ).status_code == 200
    # results of every kind, on every view
    med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "calibrate", "samples": 200})
    med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "score"})
    med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "solve", "method": "nash", "top": 3})
    med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "robustness", "samples": 100})
    for d in ("ua_del", "ru_del", "eu_del"):
        world[d].post(f"/api/scenarios/{sid}/jobs", json={"kind": "score"})
    world.wait()
    # an interrupted analysis, so that re-running one is walked for real (issue 19)
    robust = next(j for j in med.get(f"/api/scenarios/{sid}/jobs").json()
                  if j["kind"] == "robustness")
    world.app.state.store.update_job(robust["id"], status="interrupted",
                                     error="the server stopped")
    assert {j["kind"]: j["status"] for j in med.get(f"/api/scenarios/{sid}/jobs").json()
            }["calibrate"] == "done"
    # a third version, by a delegate, so history and diffs have something to show
    ok = world["ua_del"].put(f"/api/scenarios/{sid}/preferences/ua",
                             json={"base_version": 2, "text": PREFS_OK.replace("0.5", "0.4")})
    assert ok.status_code == 200

    schema = med.get("/openapi.json").json()
    operations = [(m.upper(), path, op) for path, item in schema["paths"].items()
                  for m, op in item.items() if m in ("get", "post", "put", "delete", "patch")]
    walked: set[tuple[str, str]] = set()
    seen: dict[str, set[str]] = {r: set() for r in ROLES}

    def values() -> dict[str, list[Any]]:
        jobs = [j["id"] for j in med.get(f"/api/scenarios/{sid}/jobs").json()]
        # a fresh observer invitation per pass: its link is walked by every role
        inv = med.post(f"/api/scenarios/{sid}/invitations", json={"role": "observer"}).json()
        return {"scenario_id": [sid], "job_id": [*jobs, 9999],
                "number": [1, 2, 3], "party": ["ua", "ru", "eu"],
                "username": ["outsider", "nobody"],
                "invitation_id": [inv["id"], 9999], "token": [inv["token"], "x" * 43]}

    def walk(only_reads: bool) -> None:
        vals = values()
        for role in ROLES:
            client = world[role]
            for method, path, op in operations:
                if only_reads and method != "GET":
                    continue
                if method == "DELETE" and path in ("/api/session", "/api/sessions"):
                    continue  # signing out is walked last
                for url in _expand(path, vals):
                    for params in _query(op):
                        for body in _bodies(method, path, role, text):
                            kw: dict[str, Any] = {"params": params}
                            if isinstance(body, FORM):
                                kw["data"] = {**body, "csrf_token": client.csrf}
                            elif body is not None:
                                kw["json"] = body
                            r = client.call(method, url, **kw)
                            _check(role, f"{method} {url} {params}", r, markers, seen)
                            want = EXPECTED.get(f"{method} {path}", {}).get(role)
                            by_party = EXPECTED_BY_PARTY.get(f"{method} {path}", {}).get(role)
                            if by_party is not None:
                                want = by_party[url.rsplit("/", 1)[1]]
                            assert want is None or r.status_code == want, \
                                f"{role} {method} {url}: {r.status_code}, expected {want}"
                walked.add((method, path))
        world.wait()

    walk(only_reads=False)
    # the mediator publishes every result; then every role reads everything again
    for j in med.get(f"/api/scenarios/{sid}/jobs").json():
        assert med.post(f"/api/scenarios/{sid}/jobs/{j['id']}/publish",
                        json={"published": True}).status_code == 200
    walk(only_reads=True)
    for role in ROLES:
        r = world[role].call("DELETE", "/api/session")
        _check(role, "DELETE /api/session", r, markers, seen)
        r = world[role].call("DELETE", "/api/sessions")
        _check(role, "DELETE /api/sessions", r, markers, seen)
    walked.add(("DELETE", "/api/session"))
    walked.add(("DELETE", "/api/sessions"))

    assert walked == {(m, p) for m, p, _ in operations}
    # the markers are really there for those who may see them: the check is not vacuous
    assert {m for ms in markers.values() for m in ms} - {"RU-COMMENT-SECRET"} <= seen["med"]
    assert set(markers["ru"]) - {"RU-COMMENT-SECRET"} <= seen["ru_del"]
    assert "UA-SECRET-NOTE" in seen["ua_del"]


@pytest.mark.parametrize("role", ["ua_del", "obs"])
def test_error_messages_do_not_leak(world: Any, role: str, markers: dict[str, list[str]]
                                    ) -> None:
    """Problems in a delegate's submission are checked against its own view only."""
    sid = world.sid
    r = world[role].put(f"/api/scenarios/{sid}/preferences/ua",
                        json={"base_version": 1, "text": "weights: {ru: 1}\nvalues: {ru: {}}"})
    assert r.status_code in (403, 422)
    assert not any(m in r.text for m in markers["ru"] + markers["eu"])


# Reservation intervals for ua and eu make their acceptance of p2 uncertain, so the Monte Carlo
# acceptance patterns carry composite keys such as "ua+ru" and "ru+eu".
UNCERTAIN_RESERVATIONS = {
    "ua": "    uncertainty: {reservation: {low: 0.1, high: 0.4}}\n",
    "eu": "    uncertainty: {reservation: {low: 0.1, high: 0.3}}\n",
}
PARTIES = {"ua", "ru", "eu"}
# Per-party mappings that may name every party: outcomes of packages shown to everyone.
OUTCOME_PARENTS = {"utilities", "accepts", "utility"}


def _party_keys(obj: Any, path: str = "") -> list[tuple[str, str, Any]]:
    """(path, key, value) of every mapping key naming a party, alone or joined by "+"."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            parts = set(str(k).split("+"))
            if parts <= PARTIES:
                out.append((path, str(k), v))
            out += _party_keys(v, f"{path}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _party_keys(v, f"{path}/{i}")
    return out


def _keys(obj: Any) -> set[str]:
    if isinstance(obj, dict):
        return set(map(str, obj)) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


@pytest.mark.parametrize("role", ["ua_del", "obs"])
def test_published_results_reveal_no_hidden_preference(world: Any, role: str,
                                                       markers: dict[str, list[str]]) -> None:
    """Published score, solve, robustness and calibrate results, as a delegate and an observer
    get them: a hidden party appears only with the outcome of a package shown (its utility,
    whether it accepts); a calibration keeps only the viewer's own party's rows; acceptance
    patterns are summed down to the viewer's own party; numbers mixing
    the hidden parties' preferences (objective, euclidean distance, everyone-accepts rate,
    Pareto efficiency) are gone."""
    sid, med = world.sid, world["med"]
    # the uncertain reservations, and the parties' reactions for a calibration (issue 19)
    text = with_stances(med.get(f"/api/scenarios/{sid}/download").text)
    assert all(line in text for line in UNCERTAIN_RESERVATIONS.values())
    assert med.put(f"/api/scenarios/{sid}", json={"base_version": 1, "text": text}
                   ).status_code == 200
    jobs = {kind: med.post(f"/api/scenarios/{sid}/jobs", json=body).json()["id"]
            for kind, body in [("robustness", {"kind": "robustness", "samples": 400,
                                               "plan": "p2"}),
                               ("solve", {"kind": "solve", "method": "nash", "top": 2}),
                               ("score", {"kind": "score"}),
                               ("calibrate", {"kind": "calibrate", "samples": 400})]}
    world.wait()
    full = {k: med.get(f"/api/scenarios/{sid}/jobs/{j}").json()["result"]
            for k, j in jobs.items()}
    # the mediator's results really hold what must not leak: the test is not vacuous
    assert any("+" in k and k != "ru" for k in full["robustness"]["patterns"])
    assert "all_accept" in full["robustness"] and "euclidean" in full["score"]["plans"][0]["nash"]
    assert "objective" in full["solve"]["solve"]["packages"][0]
    assert {o["party"] for o in full["calibrate"]["observations"]} == PARTIES
    assert "agreement" in full["calibrate"]["posterior"] and full["calibrate"]["red_lines"]
    for j in jobs.values():
        assert med.post(f"/api/scenarios/{sid}/jobs/{j}/publish",
                        json={"published": True}).status_code == 200

    own = {"ua"} if role == "ua_del" else set()
    got = {}
    for kind, j in jobs.items():
        r = world[role].get(f"/api/scenarios/{sid}/jobs/{j}")
        assert r.status_code == 200
        assert not any(m in r.text for p, ms in markers.items() if p not in own for m in ms)
        got[kind] = r.json()["result"]
        for path, key, value in _party_keys(got[kind]):
            if set(key.split("+")) <= own:
                continue
            parent = path.rsplit("/", 1)[-1]
            assert parent in OUTCOME_PARENTS and "+" not in key and (
                value is None or isinstance(value, bool | int | float)), \
                f"{role} gets {kind} result {path}/{key} = {value!r}"
        # mixes of every party's preferences; and, for an observer, any party's own detail
        banned = {"euclidean", "objective", "all_accept_ci95", "pareto_efficient"}
        if not own:
            banned |= {"margin", "reservation", "red_lines_crossed", "gains", "ideal"}
        assert not banned & _keys(got[kind]), f"{role} gets {banned & _keys(got[kind])}"

    rob = got["robustness"]
    assert "all_accept" not in rob  # the everyone-accepts rate; the stated one stays below
    assert set(rob["stated"]["accepts"]) == PARTIES  # the outcome of the plan itself
    assert all(t.startswith("ua:") for t in rob["uncertain"]) and (own or not rob["uncertain"])
    if own:
        # the patterns now say only how often ua accepts, which its own rate already says
        p_ua = full["robustness"]["accept"]["ua"]
        assert 0 < p_ua < 1
        assert set(rob["patterns"]) == {"ua", "none"}
        assert rob["patterns"]["ua"] == pytest.approx(p_ua)
        assert rob["patterns"]["none"] == pytest.approx(1 - p_ua)
        assert set(rob["accept"]) == {"ua"} and set(rob["utility"]) == {"ua"}
    else:
        assert "patterns" not in rob and rob["accept"] == {} and rob["utility"] == {}
    solve = got["solve"]["solve"]
    assert set(solve["disagreement"]) == own
    assert [set(p["utilities"]) for p in solve["packages"]] == [PARTIES] * 2
    cal = got["calibrate"]
    assert {o["party"] for o in cal["observations"]} == own
    assert set(cal["revision"]) == own and set(cal["status"]) == own
    assert all(set(per) == own for which in ("prior", "posterior")
               for per in cal[which]["accept"].values())
    assert "agreement" not in cal["posterior"] and cal["red_lines"] == {}  # ru's red line
    plan = got["score"]["plans"][0]
    assert {v["id"] for v in plan["parties"]} == PARTIES
    assert set(plan["nash"]["distance"]) == own and set(plan["concessions"]) == own
