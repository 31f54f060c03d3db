"""Web fixtures: an app over each database (`db_url` comes from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

DATA = Path(__file__).resolve().parent / "data"
SECRET = DATA / "secret.yaml"
STANCES = DATA / "stances.yaml"
PASSWORD = "correct horse battery"
_HASH: list[str] = []

# Distinctive values and notes of each party's preferences in data/secret.yaml.
MARKERS = {
    "ru": ["0.271828", "0.693147", "0.0777", "0.4321", "0.6777", "RU-PARTY-NOTE",
           "RU-REDLINE-NOTE", "RU-RATIONALE-SECRET", "RU-SECRET-NOTE", "RU-COMMENT-SECRET"],
    "ua": ["0.161803", "0.577215", "0.0314159", "0.3579", "0.4111", "UA-PARTY-NOTE",
           "UA-REDLINE-NOTE", "UA-RATIONALE-SECRET", "UA-SECRET-NOTE"],
    "eu": ["0.414213", "0.2468", "EU-RATIONALE-SECRET"],
}
USERS = {"med": "mediator", "ua_del": "delegate:ua", "ru_del": "delegate:ru",
         "eu_del": "delegate:eu", "obs": "observer", "outsider": None}


def with_stances(text: str) -> str:
    """The secret scenario's text with the parties' reactions (data/stances.yaml) and enough
    uncertainty that every party gets a posterior: reservation intervals for ua and eu, and
    ru's red line made uncertain (issue 19: calibration)."""
    for party, line in {"ua": "    uncertainty: {reservation: {low: 0.1, high: 0.4}}\n",
                        "eu": "    uncertainty: {reservation: {low: 0.1, high: 0.3}}\n"}.items():
        text = text.replace(f"  {party}:\n", f"  {party}:\n{line}", 1)
    text = text.replace("forbid: [join], note:", "forbid: [join], probability: 0.7, note:", 1)
    return text.rstrip("\n") + "\n" + STANCES.read_text()


def password_hash() -> str:
    """One argon2id hash for every test user, with light parameters: verification reads the
    parameters from the hash, so sign-ins in tests stay fast while the app hashes new
    passwords with argon2-cffi's defaults."""
    if not _HASH:
        from argon2 import PasswordHasher

        _HASH.append(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD))
    return _HASH[0]


class Api:
    """A signed-in (or anonymous) client that sends the CSRF header like the pages do."""

    def __init__(self, app: Any, username: str | None = None):
        self.client = TestClient(app)
        self.username = username
        self.csrf = ""
        if username:
            r = self.client.post("/api/session", json={"username": username,
                                                       "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.csrf = r.json()["csrf_token"]

    def call(self, method: str, url: str, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}) or {})
        if self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.client.request(method, url, headers=headers, **kw)

    def get(self, url: str, **kw: Any) -> Any:
        return self.call("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.call("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.call("PUT", url, **kw)


@dataclass
class World:
    app: Any
    sid: int
    clients: dict[str, Api] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Api:
        return self.clients[name]

    def wait(self) -> None:
        self.app.state.jobs.wait(60)


def make_app(url: str, **kw: Any) -> Any:
    from accord.web import create_app

    app = create_app(url, **kw)
    for name in USERS:
        app.state.store.create_user(name, password_hash())
    return app


@pytest.fixture
def app(db_url: str) -> Iterator[Any]:
    application = make_app(db_url)
    yield application
    application.state.jobs.wait(60)
    application.state.jobs.shutdown()
    application.state.store.close()


@pytest.fixture
def world(app: Any) -> World:
    """The secret scenario, created by `med` (mediator), with one member per role."""
    med = Api(app, "med")
    r = med.post("/api/scenarios", json={"text": SECRET.read_text(), "filename": "secret.yaml"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    store = app.state.store
    for name, role in USERS.items():
        if role is None or name == "med":
            continue
        kind, _, party = role.partition(":")
        # people join through invitations (tests/web/test_accounts.py); here, directly
        user = store.user_by_name(name)
        store.set_member(sid, user.id, kind, party or None, user.id, name)
    w = World(app, sid, {"med": med})
    for name in USERS:
        if name != "med":
            w.clients[name] = Api(app, name)
    w.clients["anon"] = Api(app)
    return w


@pytest.fixture
def api_class() -> type[Api]:
    return Api


@pytest.fixture
def markers() -> dict[str, list[str]]:
    return MARKERS
