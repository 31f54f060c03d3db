"""Accounts and invitations in the store (migration 0002), on SQLite and PostgreSQL: an older
database upgrades in place, one link is spent exactly once under a race, a failed sign-up
spends nothing, disabling ends sessions."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from accord.store import InvitationInvalid, NameTaken, Store
from accord.store.repo import make_engine

SMALL = Path(__file__).resolve().parent.parent / "data" / "small.yaml"
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def store(db_url: str):  # type: ignore[no-untyped-def]
    s = Store(db_url)
    yield s
    s.close()


def _scenario(store: Store) -> tuple[int, int]:
    med = store.create_user("med", "h")
    row = store.create_scenario("small", "Small", SMALL.read_text(), "yaml", med.id)
    return row.id, med.id


def test_upgrade_from_0001_keeps_users(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    import accord.store.repo as repo

    engine = make_engine(db_url)
    here = Path(repo.__file__).resolve().parent
    cfg = Config(str(here / "alembic.ini"))
    cfg.set_main_option("script_location", str(here / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with engine.begin() as conn:
        conn.execute(text("insert into users (username, password_hash, is_admin) "
                          "values ('old', 'h', true)"))
    engine.dispose()
    s = Store(db_url)  # upgrades to the newest
    try:
        old = s.user_by_name("old")
        assert old is not None and old.is_admin and not old.disabled
        with s.engine.connect() as conn:
            assert conn.execute(text("select version_num from alembic_version")).scalar() \
                == "0002"
    finally:
        s.close()


def test_racing_accepts_spend_a_link_once(store: Store) -> None:
    sid, med = _scenario(store)
    store.create_invitation(sid, "t" * 64, "observer", None, med, HOUR)
    barrier = threading.Barrier(6)
    won: list[str] = []
    lost: list[str] = []

    def accept(k: int) -> None:
        barrier.wait()
        try:
            user, _ = store.accept_invitation("t" * 64, new_user=(f"u{k}", "h"))
            won.append(user.username)
        except InvitationInvalid:
            lost.append(f"u{k}")

    threads = [threading.Thread(target=accept, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 5
    # the losers' accounts were rolled back with their attempt
    assert [u.username for u in store.users()] == ["med", won[0]]
    assert [name for _, name in store.members(sid)] == ["med", won[0]]


def test_taken_name_spends_nothing(store: Store) -> None:
    sid, med = _scenario(store)
    store.create_invitation(sid, "a" * 64, "observer", None, med, HOUR)
    with pytest.raises(NameTaken):
        store.accept_invitation("a" * 64, new_user=("med", "h"))
    assert store.open_invitation("a" * 64).used_at is None
    user, inv = store.accept_invitation("a" * 64, new_user=("fresh", "h"))
    assert inv.role == "observer" and store.membership(sid, user.id) is not None
    with pytest.raises(InvitationInvalid):
        store.open_invitation("a" * 64)


def test_expired_link_and_mediator_keeps_role(store: Store) -> None:
    sid, med = _scenario(store)
    store.create_invitation(sid, "e" * 64, "observer", None, med, -HOUR)
    with pytest.raises(InvitationInvalid):
        store.accept_invitation("e" * 64, new_user=("late", "h"))
    assert store.user_by_name("late") is None
    store.create_invitation(sid, "m" * 64, "observer", None, med, HOUR)
    store.accept_invitation("m" * 64, user_id=med)
    membership = store.membership(sid, med)
    assert membership is not None and membership.role == "mediator"


def test_disable_ends_sessions_and_blocks_them(store: Store) -> None:
    user = store.create_user("bob", "h")
    store.create_session("s1", user.id, "c", HOUR)
    store.create_session("s2", user.id, "c", HOUR)
    assert store.set_disabled(user.id, True, None) == 2
    store.create_session("s3", user.id, "c", HOUR)  # a session made anyway is refused
    assert store.session_user("s3") is None
    store.set_disabled(user.id, False, None)
    assert store.session_user("s3") is not None
    assert store.change_password(user.id, "h2", user.id, keep_session="s3") == 0
    assert store.end_sessions(user.id, user.id) == 1
