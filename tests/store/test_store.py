"""The store on SQLite and PostgreSQL: versions, optimistic locking, audit, migrations."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from accord.store import Duplicate, NotFound, Store, VersionConflict, default_url, sha256

SMALL = Path(__file__).resolve().parent.parent / "data" / "small.yaml"


@pytest.fixture
def store(db_url: str):  # type: ignore[no-untyped-def]
    s = Store(db_url)
    yield s
    s.close()


def test_migrations_create_every_table_and_are_idempotent(db_url: str) -> None:
    s = Store(db_url)
    s.close()
    s = Store(db_url)  # second start: nothing to do, nothing breaks
    tables = set(inspect(s.engine).get_table_names())
    assert {"users", "sessions", "scenarios", "scenario_versions", "memberships",
            "audit_log", "jobs", "alembic_version"} <= tables
    with s.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0002"
    s.close()


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'a.db'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    s.close()


def test_default_url_is_a_file_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.delenv("ACCORD_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path / 'accord' / 'accord.db'}"
    monkeypatch.setenv("ACCORD_DATABASE_URL", "postgresql+psycopg://x@y/z")
    assert default_url() == "postgresql+psycopg://x@y/z"


def test_first_user_is_admin_and_names_are_unique(store: Store) -> None:
    a = store.create_user("alice", "h1")
    b = store.create_user("bob", "h2")
    assert a.is_admin and not b.is_admin
    with pytest.raises(Duplicate):
        store.create_user("alice", "h3")
    assert store.count_users() == 2


def test_every_save_is_a_new_immutable_version(store: Store) -> None:
    u = store.create_user("alice", "h")
    text1 = SMALL.read_text()
    row = store.create_scenario("small", "Small", text1, "yaml", u.id)
    assert row.current_version == 1
    assert store.membership(row.id, u.id).role == "mediator"  # type: ignore[union-attr]
    text2 = text1.replace("First draft", "First draft, revised")
    assert store.save_version(row.id, 1, text2, "yaml", u.id, "renamed p1") == 2
    assert store.version(row.id).text == text2
    assert store.version(row.id, 1).text == text1  # the old version is untouched
    assert store.version(row.id, 2).sha256 == sha256(text2)
    hist = store.versions(row.id)
    assert [(v.number, who, v.message) for v, who in hist] == [
        (1, "alice", "created"), (2, "alice", "renamed p1")]
    with pytest.raises(NotFound):
        store.version(row.id, 3)


def test_conflicting_save_is_refused_and_loses_nothing(store: Store) -> None:
    u = store.create_user("alice", "h")
    row = store.create_scenario("small", "Small", "v1", "yaml", u.id)
    assert store.save_version(row.id, 1, "v2 by alice", "yaml", u.id, "a") == 2
    with pytest.raises(VersionConflict) as err:
        store.save_version(row.id, 1, "v2 by bob", "yaml", u.id, "b")
    assert err.value.current == 2
    assert [v.number for v, _ in store.versions(row.id)] == [1, 2]
    assert store.version(row.id, 2).text == "v2 by alice"
    assert store.scenario(row.id).current_version == 2


def test_racing_saves_from_one_base_land_exactly_once(store: Store) -> None:
    u = store.create_user("alice", "h")
    row = store.create_scenario("small", "Small", "v1", "yaml", u.id)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def save(k: int) -> None:
        barrier.wait()
        try:
            store.save_version(row.id, 1, f"v2 by writer {k}", "yaml", u.id, f"w{k}")
            results.append("ok")
        except VersionConflict:
            results.append("conflict")

    threads = [threading.Thread(target=save, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 7 + ["ok"]
    assert [v.number for v, _ in store.versions(row.id)] == [1, 2]
    assert store.scenario(row.id).current_version == 2


def test_audit_log_records_who_changed_what(store: Store) -> None:
    a = store.create_user("alice", "h")
    b = store.create_user("bob", "h")
    row = store.create_scenario("small", "Small", "v1", "yaml", a.id)
    store.set_member(row.id, b.id, "delegate", "a", a.id, "bob")
    store.save_version(row.id, 1, "v2", "yaml", b.id, "edited preferences of a",
                       action="preferences.save")
    store.remove_member(row.id, b.id, a.id, "bob")
    log = [(e.action, who, e.detail) for e, who in reversed(store.audit_log(row.id))]
    assert log == [
        ("scenario.create", "alice", "created small as version 1"),
        ("member.set", "alice", "bob is delegate for a"),
        ("preferences.save", "bob", "edited preferences of a (version 2)"),
        ("member.remove", "alice", "removed bob"),
    ]


def test_a_role_change_never_adds_a_member(store: Store) -> None:
    """The web changes roles with only_existing (invitations add people): a user who is not
    a member, e.g. removed between the check and the change, is not added back."""
    a = store.create_user("alice", "h")
    b = store.create_user("bob", "h")
    row = store.create_scenario("small", "Small", "v1", "yaml", a.id)
    assert store.set_member(row.id, b.id, "observer", None, a.id, "bob",
                            only_existing=True) is None
    assert store.membership(row.id, b.id) is None
    store.set_member(row.id, b.id, "observer", None, a.id, "bob")
    store.remove_member(row.id, b.id, a.id, "bob")
    assert store.set_member(row.id, b.id, "delegate", "a", a.id, "bob",
                            only_existing=True) is None
    assert store.membership(row.id, b.id) is None
    store.set_member(row.id, b.id, "observer", None, a.id, "bob")
    changed = store.set_member(row.id, b.id, "delegate", "a", a.id, "bob", only_existing=True)
    assert changed is not None and (changed.role, changed.party) == ("delegate", "a")
    assert [e.action for e, _ in store.audit_log(row.id)].count("member.set") == 3


def test_jobs_progress_publish_and_interrupt(store: Store) -> None:
    u = store.create_user("alice", "h")
    row = store.create_scenario("small", "Small", "v1", "yaml", u.id)
    job = store.create_job(row.id, 1, "solve", "{}", "full", u.id)
    store.update_job(job.id, status="running", progress=0.5)
    assert store.job(row.id, job.id).progress == 0.5
    store.publish_job(row.id, job.id, True, u.id)
    assert store.job(row.id, job.id).published
    assert store.interrupt_running_jobs() == 1
    assert store.job(row.id, job.id).status == "interrupted"
    with pytest.raises(NotFound):
        store.job(row.id + 1, job.id)


def test_sessions_expire(store: Store) -> None:
    import datetime as dt

    u = store.create_user("alice", "h")
    store.create_session("t1", u.id, "c1", dt.timedelta(hours=1))
    store.create_session("t2", u.id, "c2", dt.timedelta(seconds=-1))
    found = store.session_user("t1")
    assert found is not None and found[0].username == "alice" and found[1] == "c1"
    assert store.session_user("t2") is None
    store.delete_session("t1")
    assert store.session_user("t1") is None
