"""What every command shares: loading a scenario or exiting with one-line errors, JSON output.

Exit codes: 0 fine, 2 bad input (a user mistake, reported without a traceback), 1 internal error.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from accord.io import load_with_warnings, write_atomic
from accord.model import Scenario, ScenarioError


def _piped_width() -> int | None:
    """A terminal sets the width itself; piped output (a file, `less`, a test) is not cut at
    rich's default 80 columns (nor at a $COLUMNS meant for a terminal): lines stay whole."""
    try:
        if sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        pass
    return 1000


# Markup off: scenario text ("[draft]", "[/x]") must print as written, never as styling.
console = Console(markup=False, width=_piped_width())
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class Format(StrEnum):
    """Output of the commands that write Markdown too (analyze, forecast)."""

    text = "text"
    json = "json"
    markdown = "markdown"


class TextOrJson(StrEnum):
    """Output of every other command: Markdown is not offered where it is not written."""

    text = "text"
    json = "json"


def fail(message: str, hint: str | None = None) -> NoReturn:
    """A user mistake: one line on stderr, exit 2."""
    line = f"error: {message}" + (f"; fix: {hint}" if hint else "")
    err_console.print(line, markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


@contextmanager
def writing(path: Path | str, option: str = "--output") -> Iterator[None]:
    """An OSError while writing `path` becomes the one-line user error, exit 2."""
    try:
        yield
    except OSError as exc:
        fail(f"{option} {path}: cannot write ({exc.strerror or exc})",
             "check that the folder exists and is writable, or choose another path")


def write_output(path: Path | str, content: str | bytes, option: str = "--output") -> None:
    """Write a command's output file atomically, or exit 2 with one line."""
    with writing(path, option):
        write_atomic(path, content)


def report_scenario_error(exc: ScenarioError) -> NoReturn:
    for p in exc.problems:
        err_console.print(f"error: {p}", markup=False)
    for p in exc.warnings:
        err_console.print(str(p), markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def load(ref: str, *, quiet: bool = False) -> Scenario:
    """Load a scenario by path or bundled name, or exit 2 listing every problem."""
    try:
        scenario, warnings = load_with_warnings(ref)
    except ScenarioError as exc:
        report_scenario_error(exc)
    if not quiet:
        for w in warnings:
            err_console.print(str(w), markup=False)
    return scenario


def parse_parties(scenario_parties: list[str], given: str | None) -> list[str]:
    """`--parties ua,ru` checked against the scored parties; all of them when not given
    (None). An empty value (`--parties ''`) is a mistake, not "all"."""
    if given is None:
        return list(scenario_parties)
    out = [p.strip() for p in given.split(",") if p.strip()]
    if not out:
        fail("--parties is empty", f"name some of: {', '.join(scenario_parties)}, or leave "
             "--parties out for all")
    unknown = [p for p in out if p not in scenario_parties]
    if unknown:
        fail(f"--parties: {', '.join(unknown)} has no preferences in this scenario",
             f"use some of: {', '.join(scenario_parties)}")
    if len(set(out)) != len(out):
        fail("--parties lists a party twice", "name each party once")
    return out


def strict(obj: Any) -> Any:
    """`obj` as strict JSON data (RFC 8259 has no NaN or Infinity): non-finite numbers become
    None, numpy scalars and arrays plain Python, dates ISO text."""
    if isinstance(obj, dict):
        return {str(k) if not isinstance(k, str) else k: strict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [strict(v) for v in obj]
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return strict(_default(obj))


def dumps(obj: Any, **kw: Any) -> str:
    """Strict JSON text, whatever numbers `obj` holds."""
    return json.dumps(strict(obj), ensure_ascii=False, allow_nan=False, **kw)


SEED_MAX = 2**32 - 1
"""Seeds are 0 .. 2^32 - 1, the range every random generator here accepts."""


def check_positive(option: str, value: float | None, example: str) -> None:
    """A number that must be finite and above 0 (a time limit, say), or exit 2 naming it."""
    if value is not None and not (math.isfinite(value) and value > 0):
        fail(f"{option} {value:g}: must be a number above 0", f"e.g. {option} {example}")


def emit_json(obj: Any) -> None:
    sys.stdout.write(dumps(obj, indent=2) + "\n")


def _default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
