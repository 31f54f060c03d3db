"""The workspace store: every read and write the web layer makes, each in one transaction.

SQLite is the default (a file in the user data dir, WAL journal, full sync, foreign keys on);
PostgreSQL is used when given a `postgresql+psycopg://` URL. A save is a single transaction
that bumps the scenario's version number only if it still equals the number the editor started
from, and inserts the new version row and its audit entry: either all three land or none does,
so a killed server never leaves a half-saved version, and a racing save gets `VersionConflict`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from accord.store.accounts import AccountsMixin
from accord.store.models import (
    AuditEvent,
    JobRow,
    Membership,
    ScenarioRow,
    Session,
    User,
    VersionRow,
    utcnow,
)

ROLES = ("mediator", "delegate", "observer")


class StoreError(Exception):
    """A request the store refuses: unknown row, duplicate name."""


class NotFound(StoreError):
    pass


class Duplicate(StoreError):
    pass


class VersionConflict(StoreError):
    """Someone saved first: the save was not applied; `current` is the newest version."""

    def __init__(self, current: int, expected: int):
        self.current = current
        self.expected = expected
        super().__init__(f"version {expected} is no longer the newest (now {current})")


def user_data_dir() -> Path:
    """Where `accord serve` keeps its database unless told otherwise (XDG on Linux)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "accord"


def default_url() -> str:
    """`ACCORD_DATABASE_URL`, else a SQLite file in the user data dir."""
    env = os.environ.get("ACCORD_DATABASE_URL")
    if env:
        return env
    path = user_data_dir() / "accord.db"
    return f"sqlite:///{path}"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sqlite_engine(url: str) -> Engine:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN reach SQLite (pysqlite otherwise defers it), so a
        # transaction really spans every statement of a save.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A transaction that reads and then writes takes the write lock at its start: a
        # deferred one fails at once with "database is locked" when another writer commits
        # between its read and its write (the busy timeout cannot help a WAL snapshot).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _WRITE.get() else "BEGIN")

    return engine


_WRITE: ContextVar[bool] = ContextVar("accord_store_write", default=False)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration shipped in the package."""
    from alembic import command
    from alembic.config import Config

    here = Path(__file__).resolve().parent
    cfg = Config(str(here / "alembic.ini"))
    cfg.set_main_option("script_location", str(here / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store(AccountsMixin):
    """One database. Objects returned are detached snapshots, safe to use after the call."""

    def __init__(self, url: str | None = None, *, apply_migrations: bool = True):
        self.url = url or default_url()
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if apply_migrations:
            migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def tx(self, write: bool = False) -> Iterator[OrmSession]:  # type: ignore[override]
        """One transaction: committed on success, rolled back on any error. `write`: it
        writes after reading, so on SQLite it takes the write lock from the start."""
        token = _WRITE.set(write)
        try:
            with self._sessions() as s, s.begin():
                yield s
        finally:
            _WRITE.reset(token)

    # users ---------------------------------------------------------------------------------
    def count_users(self) -> int:
        with self.tx() as s:
            return int(s.scalar(select(func.count(User.id))) or 0)

    def create_user(self, username: str, password_hash: str,
                    is_admin: bool | None = None) -> User:
        """Add a user; the first user of a workspace is its administrator."""
        try:
            with self.tx(write=True) as s:
                if is_admin is None:
                    is_admin = (s.scalar(select(func.count(User.id))) or 0) == 0
                user = User(username=username, password_hash=password_hash, is_admin=is_admin)
                s.add(user)
                s.flush()
                s.add(AuditEvent(user_id=user.id, action="user.create",
                                 detail=f"user {username}" + (" (admin)" if is_admin else "")))
            return user
        except IntegrityError:
            raise Duplicate(f"user {username!r} exists") from None

    def users(self) -> list[User]:
        """Every user, oldest first."""
        with self.tx() as s:
            return list(s.scalars(select(User).order_by(User.id)))

    def user_by_name(self, username: str) -> User | None:
        with self.tx() as s:
            return s.scalar(select(User).where(User.username == username))

    def user_by_id(self, user_id: int) -> User | None:
        with self.tx() as s:
            return s.get(User, user_id)

    def set_password(self, user_id: int, password_hash: str) -> None:
        with self.tx(write=True) as s:
            s.execute(update(User).where(User.id == user_id)
                      .values(password_hash=password_hash))

    # sessions ------------------------------------------------------------------------------
    def create_session(self, token_hash: str, user_id: int, csrf: str,
                       lifetime: dt.timedelta) -> None:
        with self.tx(write=True) as s:
            s.add(Session(token_hash=token_hash, user_id=user_id, csrf_token=csrf,
                          expires_at=utcnow() + lifetime))

    def session_user(self, token_hash: str) -> tuple[User, str] | None:
        """The signed-in user and the session's CSRF token, if the session is alive."""
        with self.tx() as s:
            row = s.get(Session, token_hash)
            if row is None:
                return None
            expires = row.expires_at
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=dt.UTC)
            if expires < utcnow():
                s.delete(row)
                return None
            user = s.get(User, row.user_id)
            return (user, row.csrf_token) if user is not None and not user.disabled else None

    def delete_session(self, token_hash: str) -> None:
        with self.tx(write=True) as s:
            row = s.get(Session, token_hash)
            if row is not None:
                s.delete(row)

    # scenarios -----------------------------------------------------------------------------
    def create_scenario(self, name: str, title: str, text: str, fmt: str,
                        author_id: int, message: str = "created") -> ScenarioRow:
        """A new scenario at version 1, with its author as mediator."""
        with self.tx(write=True) as s:
            row = ScenarioRow(name=name, title=title, current_version=1, created_by=author_id)
            s.add(row)
            s.flush()
            s.add(VersionRow(scenario_id=row.id, number=1, text=text, fmt=fmt,
                             sha256=sha256(text), author_id=author_id, message=message))
            s.add(Membership(scenario_id=row.id, user_id=author_id, role="mediator"))
            s.add(AuditEvent(user_id=author_id, scenario_id=row.id, action="scenario.create",
                             detail=f"created {name} as version 1"))
        return row

    def scenario(self, scenario_id: int) -> ScenarioRow:
        with self.tx() as s:
            row = s.get(ScenarioRow, scenario_id)
        if row is None:
            raise NotFound(f"no scenario {scenario_id}")
        return row

    def scenarios_of(self, user_id: int) -> list[tuple[ScenarioRow, Membership]]:
        with self.tx() as s:
            rows = s.execute(select(ScenarioRow, Membership)
                             .join(Membership, Membership.scenario_id == ScenarioRow.id)
                             .where(Membership.user_id == user_id)
                             .order_by(ScenarioRow.id)).all()
            return [(r[0], r[1]) for r in rows]

    def save_version(self, scenario_id: int, expected: int, text: str, fmt: str,
                     author_id: int, message: str, *, title: str | None = None,
                     name: str | None = None, action: str = "scenario.save",
                     detail: str = "", base_sha256: str | None = None) -> int:
        """Store `text` as the version after `expected`; raises VersionConflict if another
        save got there first. One transaction: version row, pointer and audit entry together.

        `base_sha256`, for a text derived from version `expected`, is the hash of the text
        it was derived from: checked in the same transaction, so a derived text can only
        extend the very version it was built from.
        """
        new = expected + 1
        try:
            with self.tx(write=True) as s:
                values: dict[str, Any] = {"current_version": new, "updated_at": utcnow()}
                if title is not None:
                    values["title"] = title
                if name is not None:
                    values["name"] = name
                res = s.execute(update(ScenarioRow)
                                .where(ScenarioRow.id == scenario_id,
                                       ScenarioRow.current_version == expected)
                                .values(**values))
                if res.rowcount != 1:  # type: ignore[attr-defined]
                    current = s.scalar(select(ScenarioRow.current_version)
                                       .where(ScenarioRow.id == scenario_id))
                    if current is None:
                        raise NotFound(f"no scenario {scenario_id}")
                    raise VersionConflict(int(current), expected)
                if base_sha256 is not None:
                    base = s.scalar(select(VersionRow.sha256)
                                    .where(VersionRow.scenario_id == scenario_id,
                                           VersionRow.number == expected))
                    if base != base_sha256:
                        raise VersionConflict(expected, expected)
                s.add(VersionRow(scenario_id=scenario_id, number=new, text=text, fmt=fmt,
                                 sha256=sha256(text), author_id=author_id, message=message))
                s.add(AuditEvent(user_id=author_id, scenario_id=scenario_id, action=action,
                                 detail=(detail or message) + f" (version {new})"))
        except IntegrityError:
            current = self.scenario(scenario_id).current_version
            raise VersionConflict(current, expected) from None
        return new

    def version(self, scenario_id: int, number: int | None = None) -> VersionRow:
        """A stored version; the newest when `number` is None."""
        with self.tx() as s:
            if number is None:
                cur = s.scalar(select(ScenarioRow.current_version)
                               .where(ScenarioRow.id == scenario_id))
                if cur is None:
                    raise NotFound(f"no scenario {scenario_id}")
                number = int(cur)
            row = s.scalar(select(VersionRow).where(VersionRow.scenario_id == scenario_id,
                                                    VersionRow.number == number))
        if row is None:
            raise NotFound(f"no version {number} of scenario {scenario_id}")
        return row

    def versions(self, scenario_id: int) -> list[tuple[VersionRow, str]]:
        """Every version (without needing the text) with its author's name, oldest first."""
        with self.tx() as s:
            rows = s.execute(select(VersionRow, User.username)
                             .join(User, User.id == VersionRow.author_id)
                             .where(VersionRow.scenario_id == scenario_id)
                             .order_by(VersionRow.number)).all()
            return [(r[0], r[1]) for r in rows]

    # members -------------------------------------------------------------------------------
    def membership(self, scenario_id: int, user_id: int) -> Membership | None:
        with self.tx() as s:
            return s.scalar(select(Membership).where(Membership.scenario_id == scenario_id,
                                                     Membership.user_id == user_id))

    def members(self, scenario_id: int) -> list[tuple[Membership, str]]:
        with self.tx() as s:
            rows = s.execute(select(Membership, User.username)
                             .join(User, User.id == Membership.user_id)
                             .where(Membership.scenario_id == scenario_id)
                             .order_by(Membership.id)).all()
            return [(r[0], r[1]) for r in rows]

    def set_member(self, scenario_id: int, user_id: int, role: str, party: str | None,
                   by: int, username: str, only_existing: bool = False) -> Membership | None:
        """Add a member or change their role; one audit entry either way. With
        `only_existing` (the web's role change: invitations add people) a user who is not a
        member, or stopped being one meanwhile, is not added: the answer is None."""
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}")
        with self.tx(write=True) as s:
            row = s.scalar(select(Membership).where(Membership.scenario_id == scenario_id,
                                                    Membership.user_id == user_id))
            if row is None and only_existing:
                return None
            if row is None:
                row = Membership(scenario_id=scenario_id, user_id=user_id, role=role,
                                 party=party)
                s.add(row)
            else:
                row.role, row.party = role, party
            s.add(AuditEvent(user_id=by, scenario_id=scenario_id, action="member.set",
                             detail=f"{username} is {role}" + (f" for {party}" if party else "")))
        return row

    def remove_member(self, scenario_id: int, user_id: int, by: int, username: str) -> bool:
        with self.tx(write=True) as s:
            row = s.scalar(select(Membership).where(Membership.scenario_id == scenario_id,
                                                    Membership.user_id == user_id))
            if row is None:
                return False
            s.delete(row)
            s.add(AuditEvent(user_id=by, scenario_id=scenario_id, action="member.remove",
                             detail=f"removed {username}"))
        return True

    # audit ---------------------------------------------------------------------------------
    def audit(self, user_id: int | None, action: str, detail: str,
              scenario_id: int | None = None) -> None:
        with self.tx() as s:
            s.add(AuditEvent(user_id=user_id, scenario_id=scenario_id, action=action,
                             detail=detail))

    def audit_log(self, scenario_id: int | None = None,
                  limit: int = 500) -> list[tuple[AuditEvent, str | None]]:
        with self.tx() as s:
            q = (select(AuditEvent, User.username)
                 .join(User, User.id == AuditEvent.user_id, isouter=True)
                 .order_by(AuditEvent.id.desc()).limit(limit))
            if scenario_id is not None:
                q = q.where(AuditEvent.scenario_id == scenario_id)
            return [(r[0], r[1]) for r in s.execute(q).all()]

    # jobs ----------------------------------------------------------------------------------
    def create_job(self, scenario_id: int, version: int, kind: str, params: str, view: str,
                   user_id: int) -> JobRow:
        with self.tx(write=True) as s:
            job = JobRow(scenario_id=scenario_id, version=version, kind=kind, params=params,
                         view=view, status="queued", progress=0.0, published=False,
                         created_by=user_id)
            s.add(job)
            s.flush()
            s.add(AuditEvent(user_id=user_id, scenario_id=scenario_id, action="job.start",
                             detail=f"{kind} job {job.id} on version {version}"))
        return job

    def update_job(self, job_id: int, **values: Any) -> None:
        with self.tx(write=True) as s:
            s.execute(update(JobRow).where(JobRow.id == job_id).values(**values))

    def job(self, scenario_id: int, job_id: int) -> JobRow:
        with self.tx() as s:
            row = s.get(JobRow, job_id)
        if row is None or row.scenario_id != scenario_id:
            raise NotFound(f"no job {job_id} in scenario {scenario_id}")
        return row

    def jobs(self, scenario_id: int) -> list[JobRow]:
        with self.tx() as s:
            return list(s.scalars(select(JobRow).where(JobRow.scenario_id == scenario_id)
                                  .order_by(JobRow.id.desc())))

    def publish_job(self, scenario_id: int, job_id: int, published: bool, by: int) -> None:
        with self.tx(write=True) as s:
            row = s.get(JobRow, job_id)
            if row is None or row.scenario_id != scenario_id:
                raise NotFound(f"no job {job_id} in scenario {scenario_id}")
            row.published = published
            s.add(AuditEvent(user_id=by, scenario_id=scenario_id,
                             action="job.publish" if published else "job.unpublish",
                             detail=f"{row.kind} job {job_id}"))

    def interrupt_running_jobs(self) -> int:
        """Jobs left running by a previous server process will never finish: say so."""
        with self.tx(write=True) as s:
            res = s.execute(update(JobRow).where(JobRow.status.in_(("queued", "running")))
                            .values(status="interrupted", error="the server stopped",
                                    finished_at=utcnow()))
            return int(res.rowcount or 0)  # type: ignore[attr-defined]
