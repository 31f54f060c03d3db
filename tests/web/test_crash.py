"""Killing the server (SIGKILL) in the middle of saves loses nothing committed and leaves no
half-saved version: a real `accord serve` subprocess, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_env import free_port as _free_port
from browser_env import start_server as _start

from accord.io.loader import parse_text
from accord.store import Store, sha256

SECRET = Path(__file__).resolve().parent / "data" / "secret.yaml"
PASSWORD = "correct horse battery"


def _client(port: int) -> tuple[httpx.Client, dict[str, str]]:
    c = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    r = c.post("/api/session", json={"username": "med", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


@pytest.mark.slow
def test_sigkill_during_saves_loses_nothing(db_url: str, tmp_path: Path) -> None:
    from argon2 import PasswordHasher

    store = Store(db_url)
    store.create_user("med", PasswordHasher(time_cost=1, memory_cost=1024,
                                            parallelism=1).hash(PASSWORD))
    store.close()
    port, log = _free_port(), tmp_path / "server.log"
    proc = _start(db_url, port, log)
    try:
        client, headers = _client(port)
        # a large text, so each save's transaction takes a while to write
        filler = " ".join(f"word{k}" for k in range(6_000))
        base = SECRET.read_text().replace("note: Numbers are made up for tests.",
                                          f"note: Numbers are made up for tests.\n"
                                          f"description: {filler}")
        r = client.post("/api/scenarios", json={"text": base, "filename": "s.yaml"},
                        headers=headers)
        assert r.status_code == 201, r.text
        sid = r.json()["id"]
        acked: dict[int, str] = {1: sha256(base)}
        lock = threading.Lock()
        stop = threading.Event()

        def writer(k: int) -> None:
            c, h = _client(port)
            n = 0
            while not stop.is_set():
                try:
                    cur = c.get(f"/api/scenarios/{sid}").json()["version"]
                    text = base.replace("title: First draft", f"title: First draft w{k}-{n}")
                    n += 1
                    r = c.put(f"/api/scenarios/{sid}", json={
                        "text": text, "base_version": cur, "filename": "s.yaml"}, headers=h)
                except (httpx.HTTPError, ValueError):
                    return  # the server is gone
                if r.status_code == 200:
                    with lock:
                        acked[r.json()["version"]] = sha256(text)
                else:
                    assert r.status_code == 409, r.text

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(acked) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.13)  # land the kill in the middle of the stream of saves
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        stop.set()
        for t in threads:
            t.join(30)
        assert len(acked) >= 6, f"too few saves before the kill: {log.read_text()}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    # the server starts again on the same database, and it is whole
    proc = _start(db_url, port, log)
    try:
        client, _ = _client(port)
        shown = client.get(f"/api/scenarios/{sid}").json()["version"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    store = Store(db_url)
    try:
        versions = [v for v, _ in store.versions(sid)]
        numbers = [v.number for v in versions]
        current = store.scenario(sid).current_version
        assert numbers == list(range(1, len(numbers) + 1)), "a gap or a duplicate version"
        assert current == numbers[-1] == shown
        for v in versions:
            full = store.version(sid, v.number)
            assert sha256(full.text) == full.sha256, f"version {v.number} is damaged"
            parse_text(full.text, "s.yaml")  # every stored version is a whole scenario
        for number, digest in acked.items():
            assert store.version(sid, number).sha256 == digest, f"lost save {number}"
        detail: dict[str, Any] = {"acknowledged": len(acked), "stored": len(numbers)}
        assert len(numbers) >= len(acked), detail
    finally:
        store.close()
