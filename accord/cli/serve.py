"""`accord serve` (the web workspace) and `accord users` (its accounts).

Both open the same database: a SQLite file in the user data dir unless `--database` (or the
ACCORD_DATABASE_URL environment variable) names another, e.g. PostgreSQL. Migrations are applied
on open, so a fresh or older database is brought up to date first.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from accord.cli.common import EXIT_BAD_INPUT, err_console, fail

DatabaseOpt = Annotated[str | None, typer.Option(
    "--database", "-d", help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; "
    "default: a SQLite file in the user data dir (or $ACCORD_DATABASE_URL).")]

users_app = typer.Typer(help="Workspace accounts. The first user added is an administrator.",
                        no_args_is_help=True, rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    """Add `serve` and the `users` sub-app."""
    app.command("serve")(serve)
    import accord.cli.accounts  # noqa: F401 - adds `users disable` and `users passwd`

    app.add_typer(users_app, name="users")


def read_password(password_stdin: bool, example: str) -> str:
    """A password from standard input (never a flag: it would show in the process list)."""
    if not password_stdin:
        fail("give the password on standard input with --password-stdin",
             f"printf '%s\\n' \"$PASSWORD\" | {example}")
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        fail("the password is shorter than 8 characters", "choose a longer password")
    return password


def _open_store(database: str | None):  # type: ignore[no-untyped-def]
    try:
        from accord.store import Store, default_url
    except ImportError:
        fail("the web workspace is not installed", "pip install 'accord[web]'")
    url = database or default_url()
    try:
        return Store(url)
    except Exception as exc:  # noqa: BLE001 - a bad URL or unreachable server is user input
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fail(f"cannot open the database {url.split('@')[-1]}: {first}",
             "check --database (a SQLAlchemy URL) and that the server is running")


def serve(
    database: DatabaseOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    proxy_headers: Annotated[bool, typer.Option(
        "--proxy-headers", help="Behind a TLS proxy: trust its X-Forwarded-Proto and "
        "X-Forwarded-For, so cookies get Secure and sign-in limits see the real client.")]
    = False,
    forwarded_allow_ips: Annotated[str, typer.Option(
        help="With --proxy-headers: the proxy's addresses, comma-separated.")] = "127.0.0.1",
) -> None:
    """Run the web workspace (JSON API at /api, OpenAPI at /openapi.json, pages at /).

    Examples:

      accord serve

      accord serve --database postgresql+psycopg://user@host/db --host 0.0.0.0 --port 8080

      accord serve --proxy-headers   # behind nginx/caddy terminating TLS on this machine
    """
    if not 0 < port < 65536:
        fail(f"--port {port} is not a TCP port", "use 1-65535")
    store = _open_store(database)
    import uvicorn

    from accord.web.app import create_app

    if store.count_users() == 0:
        err_console.print("no users yet: add one with `accord users add NAME --password-stdin`"
                          + (f" --database {database}" if database else ""), markup=False)
    err_console.print(f"accord workspace on http://{host}:{port}/", markup=False)
    uvicorn.run(create_app(store=store), host=host, port=port, log_level="warning",
                proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips,
                limit_concurrency=256)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _ . @ -).")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (first line).")] = False,
    admin: Annotated[bool, typer.Option("--admin", help="Make an administrator.")] = False,
    database: DatabaseOpt = None,
) -> None:
    """Add a workspace user. The first user of a workspace is always an administrator.

    Example: printf '%s\\n' "$PASSWORD" | accord users add alice --password-stdin
    """
    import re

    if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", name):
        fail(f"user name {name!r} is not allowed", "use 1-64 letters, digits, _ . @ -")
    password = read_password(password_stdin, "accord users add NAME --password-stdin")
    from accord.store import Duplicate
    from accord.web.security import hash_password

    store = _open_store(database)
    try:
        user = store.create_user(name, hash_password(password), is_admin=True if admin else None)
    except Duplicate:
        err_console.print(f"error: user {name!r} exists; fix: choose another name",
                          markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        store.close()
    err_console.print(f"added {user.username}" + (" (administrator)" if user.is_admin else ""),
                      markup=False)


@users_app.command("list")
def users_list(database: DatabaseOpt = None) -> None:
    """List the workspace users."""
    store = _open_store(database)
    try:
        for u in store.users():
            print(f"{u.username}\t{'admin' if u.is_admin else 'user'}")
    finally:
        store.close()
