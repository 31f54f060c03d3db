"""Workspace storage: users, scenarios with immutable versions, members, audit log, jobs.

SQLAlchemy 2 with Alembic migrations shipped in the package; SQLite by default, PostgreSQL by
URL. The web layer is the only caller; nothing here knows about HTTP or roles.
"""

from accord.store.accounts import InvitationInvalid, NameTaken
from accord.store.repo import (
    ROLES,
    Duplicate,
    NotFound,
    Store,
    StoreError,
    VersionConflict,
    default_url,
    migrate,
    sha256,
    user_data_dir,
)

__all__ = [
    "ROLES",
    "Duplicate",
    "InvitationInvalid",
    "NameTaken",
    "NotFound",
    "Store",
    "StoreError",
    "VersionConflict",
    "default_url",
    "migrate",
    "sha256",
    "user_data_dir",
]
