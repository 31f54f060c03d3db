"""`accord users add` and `accord users list` on a real SQLite file: the first user is the
administrator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from accord.store import Store


def _add(db: str, name: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "accord", "users", "add", name,
                           "--password-stdin", "--database", db], input=password + "\n",
                          capture_output=True, text=True, timeout=120)


def test_users_add(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    first = _add(db, "alice", "a good long password")
    assert first.returncode == 0, first.stderr
    assert "added alice (administrator)" in first.stderr
    assert _add(db, "bob", "another long password").returncode == 0
    dup = _add(db, "bob", "another long password")
    assert dup.returncode == 2 and "exists" in dup.stderr
    short = _add(db, "carol", "short")
    assert short.returncode == 2 and "shorter than 8" in short.stderr
    store = Store(db)
    alice, bob = store.user_by_name("alice"), store.user_by_name("bob")
    assert alice is not None and alice.is_admin and bob is not None and not bob.is_admin
    from accord.web.security import verify_password

    assert verify_password(alice.password_hash, "a good long password")
    assert [u.username for u in store.users()] == ["alice", "bob"]
    store.close()
    listed = subprocess.run([sys.executable, "-m", "accord", "users", "list", "--database", db],
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == ["alice\tadmin", "bob\tuser"]


def test_serve_behind_a_tls_proxy_sets_secure_cookies(tmp_path: Path) -> None:
    """`accord serve --proxy-headers`: X-Forwarded-Proto from the proxy makes cookies Secure."""
    import socket
    import time

    import httpx

    db = f"sqlite:///{tmp_path / 'proxy.db'}"
    assert _add(db, "alice", "a good long password").returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "accord", "serve", "--database", db,
                             "--port", str(port), "--proxy-headers"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        body = {"username": "alice", "password": "a good long password"}
        plain = httpx.post(f"{base}/api/session", json=body, timeout=30)
        proxied = httpx.post(f"{base}/api/session", json=body, timeout=30,
                             headers={"X-Forwarded-Proto": "https"})
        assert plain.status_code == proxied.status_code == 200
        assert not any("Secure" in h for h in plain.headers.get_list("set-cookie"))
        assert all("Secure" in h for h in proxied.headers.get_list("set-cookie"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
