"""Store calls for accounts and invitations (issue 18), kept apart from `repo.py`.

`AccountsMixin` is mixed into `Store`: every method is one transaction, and every change writes
its audit entry in that same transaction, so an action and its record land together or not at
all. Accepting an invitation marks it used with a conditional UPDATE (`used_at IS NULL AND
expires_at > now`), so two browsers racing on one link cannot both join.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from accord.store.models import AuditEvent, Invitation, Membership, Session, User, utcnow


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked or expired (one message for all: no oracle)."""


class NameTaken(Exception):
    """A new account's user name is in use."""


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


class AccountsMixin:
    """Accounts: disable, password, sessions; invitations: create, list, revoke, accept."""

    def tx(self, write: bool = False) -> AbstractContextManager[OrmSession]:  # by Store
        raise NotImplementedError

    # users and sessions ----------------------------------------------------------------------
    def set_disabled(self, user_id: int, disabled: bool, by: int | None) -> int:
        """Disable (or enable) a user; disabling ends every session of theirs. Returns the
        number of sessions ended."""
        with self.tx(write=True) as s:
            if _count(s.execute(_write(update(User).where(User.id == user_id)
                                       .values(disabled=disabled)))) != 1:
                return -1
            ended = 0
            if disabled:
                ended = _count(s.execute(delete(Session).where(Session.user_id == user_id)))
            name = s.scalar(select(User.username).where(User.id == user_id))
            s.add(AuditEvent(user_id=by, action="user.disable" if disabled else "user.enable",
                             detail=f"{'disabled' if disabled else 'enabled'} {name}"))
            return ended

    def change_password(self, user_id: int, password_hash: str, by: int | None,
                        keep_session: str | None = None) -> int:
        """Set a new password and end every other session of the user (a stolen session
        must not outlive the password change). Returns the number of sessions ended."""
        with self.tx(write=True) as s:
            if _count(s.execute(_write(update(User).where(User.id == user_id)
                                       .values(password_hash=password_hash)))) != 1:
                return -1
            q = delete(Session).where(Session.user_id == user_id)
            if keep_session is not None:
                q = q.where(Session.token_hash != keep_session)
            ended = _count(s.execute(q))
            name = s.scalar(select(User.username).where(User.id == user_id))
            s.add(AuditEvent(user_id=by, action="user.passwd",
                             detail=f"password of {name} changed"))
            return ended

    def end_sessions(self, user_id: int, by: int | None) -> int:
        """Sign the user out everywhere."""
        with self.tx(write=True) as s:
            ended = _count(s.execute(delete(Session).where(Session.user_id == user_id)))
            name = s.scalar(select(User.username).where(User.id == user_id))
            s.add(AuditEvent(user_id=by, action="session.revoke_all",
                             detail=f"{name or user_id} signed out everywhere "
                                    f"({ended} sessions)"))
            return ended

    def session_count(self, user_id: int) -> int:
        with self.tx() as s:
            return len(list(s.scalars(select(Session.token_hash)
                                      .where(Session.user_id == user_id))))

    # invitations -----------------------------------------------------------------------------
    def create_invitation(self, scenario_id: int, token_hash: str, role: str,
                          party: str | None, by: int, lifetime: dt.timedelta) -> Invitation:
        with self.tx(write=True) as s:
            inv = Invitation(scenario_id=scenario_id, token_hash=token_hash, role=role,
                             party=party, created_by=by, expires_at=utcnow() + lifetime)
            s.add(inv)
            s.flush()
            s.add(AuditEvent(user_id=by, scenario_id=scenario_id, action="invitation.create",
                             detail=f"invitation {inv.id} for a {role}"
                                    + (f" of {party}" if party else "")))
        return inv

    def invitations(self, scenario_id: int) -> list[tuple[Invitation, str | None]]:
        """A scenario's invitations, newest first, with who used each (if anyone)."""
        with self.tx() as s:
            rows = s.execute(select(Invitation, User.username)
                             .join(User, User.id == Invitation.used_by, isouter=True)
                             .where(Invitation.scenario_id == scenario_id)
                             .order_by(Invitation.id.desc())).all()
            return [(r[0], r[1]) for r in rows]

    def revoke_invitation(self, scenario_id: int, invitation_id: int, by: int) -> bool:
        with self.tx(write=True) as s:
            inv = s.get(Invitation, invitation_id)
            if inv is None or inv.scenario_id != scenario_id:
                return False
            s.delete(inv)
            s.add(AuditEvent(user_id=by, scenario_id=scenario_id, action="invitation.revoke",
                             detail=f"revoked invitation {invitation_id}"))
        return True

    def open_invitation(self, token_hash: str) -> Invitation:
        """The invitation behind a link, if it can still be used."""
        with self.tx() as s:
            inv = s.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
        if inv is None or inv.used_at is not None or _aware(inv.expires_at) <= utcnow():
            raise InvitationInvalid("this invitation link is not valid: it was used, revoked "
                                    "or has expired; ask the mediator for a new one")
        return inv

    def accept_invitation(self, token_hash: str, *, user_id: int | None = None,
                          new_user: tuple[str, str] | None = None) -> tuple[User, Invitation]:
        """Use the invitation once: for the signed-in `user_id`, or for a new account
        `new_user` = (user name, password hash). One transaction: the link is spent, the
        account (if new) and the membership are written, with their audit entries."""
        now = utcnow()
        try:
            with self.tx(write=True) as s:
                # Write first: on SQLite a transaction that read before writing cannot take
                # the write lock once another writer committed, so the spend comes first.
                res = s.execute(_write(update(Invitation)
                                       .where(Invitation.token_hash == token_hash,
                                              Invitation.used_at.is_(None),
                                              Invitation.expires_at > now)
                                       .values(used_at=now)))
                if _count(res) != 1:
                    raise InvitationInvalid("invalid")
                inv = s.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
                if inv is None:  # cannot happen after the UPDATE above; keeps types honest
                    raise InvitationInvalid("invalid")
                if new_user is not None:
                    user = User(username=new_user[0], password_hash=new_user[1],
                                is_admin=False, disabled=False)
                    s.add(user)
                    s.flush()
                    s.add(AuditEvent(user_id=user.id, action="user.create",
                                     detail=f"user {user.username} (invitation {inv.id})"))
                else:
                    found = s.get(User, user_id)
                    if found is None or found.disabled:
                        raise InvitationInvalid("invalid")
                    user = found
                s.execute(_write(update(Invitation).where(Invitation.id == inv.id)
                                 .values(used_by=user.id)))
                row = s.scalar(select(Membership).where(Membership.scenario_id == inv.scenario_id,
                                                        Membership.user_id == user.id))
                if row is None:
                    s.add(Membership(scenario_id=inv.scenario_id, user_id=user.id,
                                     role=inv.role, party=inv.party))
                elif row.role != "mediator":  # a mediator keeps its role
                    row.role, row.party = inv.role, inv.party
                s.add(AuditEvent(user_id=user.id, scenario_id=inv.scenario_id,
                                 action="invitation.accept",
                                 detail=f"{user.username} joined as {inv.role}"
                                        + (f" for {inv.party}" if inv.party else "")
                                        + f" (invitation {inv.id})"))
        except IntegrityError:
            raise NameTaken("name taken") from None
        return user, inv


def _write(stmt: Any) -> Any:
    """A bulk UPDATE without ORM session sync (SQLite returns naive datetimes, which the
    in-Python evaluation would compare with aware ones)."""
    return stmt.execution_options(synchronize_session=False)


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
