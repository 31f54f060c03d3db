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
