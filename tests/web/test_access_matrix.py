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
    if key == "POST /api/users":
        return [{"username": f"new-{role}", "password": "a long password"}, {"username": ""}]
    if key == "POST /api/scenarios":
        return [{"text": text, "filename": "secret.yaml"}, {"text": "parties: [",
                                                             "filename": "x.yaml"}]
    if key == "PUT /api/scenarios/{scenario_id}":
        return [{"base_version": 1, "text": text}, {"base_version": 99, "text": "x: ["}]
    if key == "PUT /api/scenarios/{scenario_id}/preferences/{party}":
        return [{"base_version": 1, "text": PREFS_OK}, {"base_version": 2, "text": PREFS_BAD},
                {"base_version": 2, "preferences": {"weights": "nonsense"}}]
    if key == "POST /api/scenarios/{scenario_id}/members":
        return [{"username": "nobody", "role": "observer"},
                {"username": "outsider", "role": "delegate", "party": "zz"}]
    if key == "POST /api/scenarios/{scenario_id}/jobs":
        return [{"kind": "score"}, {"kind": "solve", "method": "nash"},
                {"kind": "robustness", "samples": 50, "plan": "p2"}, {"kind": "solve",
                                                                      "method": "nope"}]
    if key == "POST /api/scenarios/{scenario_id}/jobs/{job_id}/publish":
        return [{"published": True}]
    return [None]


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
    known = {"a": 1, "b": 2, "format": "json", "version": 1, "plan": "p1", "improvement": True}
    for n in required:
        assert n in known, f"the matrix does not know query parameter {n}"
    base = {n: known[n] for n in required}
    variants = [base]
    if optional:
        variants.append({**base, **{n: known[n] for n in optional if n in known}})
    return variants


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
    # results of every kind, on every view
    med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "score"})
    med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "solve", "method": "nash", "top": 3})
    med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "robustness", "samples": 100})
    for d in ("ua_del", "ru_del", "eu_del"):
        world[d].post(f"/api/scenarios/{sid}/jobs", json={"kind": "score"})
    world.wait()
    # a second version, by a delegate, so history and diffs have something to show
    ok = world["ua_del"].put(f"/api/scenarios/{sid}/preferences/ua",
                             json={"base_version": 1, "text": PREFS_OK.replace("0.5", "0.4")})
    assert ok.status_code == 200

    schema = med.get("/openapi.json").json()
    operations = [(m.upper(), path, op) for path, item in schema["paths"].items()
                  for m, op in item.items() if m in ("get", "post", "put", "delete", "patch")]
    walked: set[tuple[str, str]] = set()
    seen: dict[str, set[str]] = {r: set() for r in ROLES}

    def values() -> dict[str, list[Any]]:
        jobs = [j["id"] for j in med.get(f"/api/scenarios/{sid}/jobs").json()]
        return {"scenario_id": [sid], "job_id": [*jobs, 9999],
                "number": [1, 2], "party": ["ua", "ru", "eu"],
                "username": ["outsider", "nobody"]}

    def walk(only_reads: bool) -> None:
        vals = values()
        for role in ROLES:
            client = world[role]
            for method, path, op in operations:
                if only_reads and method != "GET":
                    continue
                if method == "DELETE" and path == "/api/session":
                    continue  # signing out is walked last
                for url in _expand(path, vals):
                    for params in _query(op):
                        for body in _bodies(method, path, role, text):
                            kw: dict[str, Any] = {"params": params}
                            if body is not None:
                                kw["json"] = body
                            r = client.call(method, url, **kw)
                            _check(role, f"{method} {url} {params}", r, markers, seen)
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
    walked.add(("DELETE", "/api/session"))

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
