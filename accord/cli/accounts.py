"""`accord users disable` and `accord users passwd`: the server-side twins of the web's admin
page and password form (issue 18). Both write the audit log, like the web routes."""

from __future__ import annotations

from typing import Annotated

import typer

from accord.cli.common import err_console, fail
from accord.cli.serve import DatabaseOpt, _open_store, read_password, users_app


def _user_or_fail(store, name: str):  # type: ignore[no-untyped-def]
    user = store.user_by_name(name)
    if user is None:
        store.close()
        fail(f"no user {name!r}", "see `accord users list`")
    return user


@users_app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(help="User name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the user again.")] = False,
    database: DatabaseOpt = None,
) -> None:
    """Disable a user (signs them out everywhere; they cannot sign in), or --enable again.

    Example: accord users disable mallory
    """
    store = _open_store(database)
    try:
        user = _user_or_fail(store, name)
        ended = store.set_disabled(user.id, not enable, None)
    finally:
        store.close()
    err_console.print(f"{'enabled' if enable else 'disabled'} {name}"
                      + ("" if enable else f"; {ended} session(s) ended"), markup=False)


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the new password from standard input (first line).")
    ] = False,
    database: DatabaseOpt = None,
) -> None:
    """Set a user's password; every session of theirs is signed out.

    Example: printf '%s\\n' "$PASSWORD" | accord users passwd alice --password-stdin
    """
    password = read_password(password_stdin, "accord users passwd NAME --password-stdin")
    from accord.web.security import hash_password

    store = _open_store(database)
    try:
        user = _user_or_fail(store, name)
        ended = store.change_password(user.id, hash_password(password), None)
    finally:
        store.close()
    err_console.print(f"password of {name} changed; {ended} session(s) ended", markup=False)
