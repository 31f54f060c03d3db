"""The web workspace: FastAPI JSON API and server-rendered pages over `accord.store`.

Roles and what each may see are decided in `accord.web.policy` alone.
"""

from __future__ import annotations

from typing import Any


def create_app(database_url: str | None = None, **kwargs: Any) -> Any:
    """The FastAPI app on `database_url` (see `accord.web.app.create_app`)."""
    from accord.web.app import create_app as _create

    return _create(database_url, **kwargs)


__all__ = ["create_app"]
