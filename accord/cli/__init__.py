"""The `accord` command line: one typer app; each feature registers its commands from its module.

Exit codes: 0 success, 2 bad input (one line per problem, never a traceback), 1 internal error.
"""

from __future__ import annotations

import sys

import typer

from accord.cli import (
    analyze,
    calibrate,
    forecast,
    negotiate,
    report,
    serve,
    solve,
    uncertainty,
)
from accord.cli.common import EXIT_BAD_INPUT, EXIT_INTERNAL, err_console

app = typer.Typer(
    name="accord",
    help=(
        "Analyse, draft and stress-test multi-issue settlements.\n\n"
        "Examples:\n\n"
        "  accord list\n\n"
        "  accord analyze ukraine-2025\n\n"
        "  accord analyze ukraine-2025 --plan us-draft-2025-11-20 --format json\n\n"
        "Exit codes: 0 fine, 2 bad input, 1 internal error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

for module in (analyze, solve, negotiate, uncertainty, report, forecast, serve, calibrate):
    module.register(app)


EXTRAS = {
    "report": ("matplotlib", "plotly", "jinja2", "markupsafe", "kaleido", "PIL"),
    "uncertainty": ("dask", "distributed", "SALib", "cloudpickle", "toolz", "tornado"),
    "web": ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "argon2",
            "itsdangerous", "multipart", "python_multipart", "psycopg", "httpx"),
}
"""Optional modules by the extra of pyproject.toml that installs them."""


def extra_for(module: str) -> str | None:
    """The extra to install for a missing module, or None when it should have been there."""
    top = module.split(".")[0]
    for extra, modules in EXTRAS.items():
        if top in modules:
            return extra
    return None


def main() -> None:
    """Entry point: user mistakes exit 2 with a message; anything else exits 1 with one line."""
    try:
        rv = app(standalone_mode=False)
        sys.exit(rv if isinstance(rv, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted", markup=False)
        sys.exit(130)
    except ModuleNotFoundError as exc:
        extra = extra_for(exc.name or "")
        if extra is None:
            err_console.print(f"internal error: ModuleNotFoundError: {exc}", markup=False)
            sys.exit(EXIT_INTERNAL)
        err_console.print(f"error: this command needs the optional '{extra}' extra (module "
                          f"{exc.name} is not installed); fix: pip install 'accord[{extra}]'",
                          markup=False)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as exc:
        # Usage errors are user mistakes. typer may vendor its own click, so match by kind.
        kinds = {c.__name__ for c in type(exc).__mro__}
        if "UsageError" in kinds or "ClickException" in kinds:
            fmt = getattr(exc, "format_message", None)
            message = fmt() if callable(fmt) else str(exc)
            # One line, like every other user mistake: the problem, then where to look.
            ctx = getattr(exc, "ctx", None)
            fix = f"; fix: see {ctx.command_path} --help" if ctx is not None else ""
            err_console.print(f"error: {message.strip()}{fix}", markup=False)
            sys.exit(EXIT_BAD_INPUT)
        err_console.print(f"internal error: {type(exc).__name__}: {exc}", markup=False)
        err_console.print("please report this with the command you ran", markup=False)
        sys.exit(EXIT_INTERNAL)
