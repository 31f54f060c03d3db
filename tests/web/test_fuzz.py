"""Schemathesis fuzzes every operation of the OpenAPI document, signed in as the mediator, a
Ukraine delegate and an observer: never a 5xx, and never another party's preferences in a
body. Bounded: a few examples per operation and role, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = 4
ALLOWED = {"med": {"ua", "ru", "eu"}, "ua_del": {"ua"}, "obs": set()}


@pytest.mark.slow
def test_fuzz_every_operation(world: Any, markers: dict[str, list[str]]) -> None:
    sid = world.sid
    med = world["med"]
    # something to find: a published result and a delegate's own one
    med.post(f"/api/scenarios/{sid}/jobs", json={"kind": "solve", "method": "nash"})
    world["ua_del"].post(f"/api/scenarios/{sid}/jobs", json={"kind": "score"})
    world.wait()
    for j in med.get(f"/api/scenarios/{sid}/jobs").json():
        med.post(f"/api/scenarios/{sid}/jobs/{j['id']}/publish", json={"published": True})

    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []
    for role, may_see in ALLOWED.items():
        api = world[role]
        cookies = dict(api.client.cookies.items())
        headers = {"X-CSRF-Token": api.csrf}
        for op in operations:
            if op.method.upper() == "DELETE" and op.path == "/api/session":
                continue  # signing out would end the session for the rest of the run

            _fuzz(op, role, may_see, cookies, headers, sid, markers, failures)
    world.wait()
    ok = [f for f in failures if f.startswith("status ")]
    bad = [f for f in failures if not f.startswith("status ")]
    assert not bad, "\n".join(bad[:20])
    assert len(ok) >= 50, f"only {len(ok)} fuzzed requests succeeded: the fuzzing is too blind"


def _fuzz(op: Any, role: str, may_see: set[str], cookies: dict[str, str],
          headers: dict[str, str], sid: int, markers: dict[str, list[str]],
          failures: list[str]) -> None:
    @given(case=op.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        # aim half of the cases at the real scenario, not only at random ids
        params = case.path_parameters or {}
        if "scenario_id" in params and len(str(case.body)) % 2:
            params["scenario_id"] = sid
        r = case.call(headers=headers, cookies=cookies)
        label = f"{role} {case.method} {case.formatted_path}"
        if r.status_code < 300:  # counted, to show the fuzzing reaches real answers
            failures.append(f"status {r.status_code}")
        if r.status_code >= 500:
            failures.append(f"{label}: {r.status_code} {r.text[:300]}")
        for party, ms in markers.items():
            if party not in may_see:
                leaked = [m for m in ms if m in r.text]
                if leaked:
                    failures.append(f"{label}: leaked {party} {leaked}")

    run()
