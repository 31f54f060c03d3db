"""Problems found in a scenario, reported one line each with the place and the fix."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """`('parties', 1, 'reservation')` -> `parties[1].reservation`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


@dataclass(frozen=True)
class Problem:
    message: str
    hint: str
    path: Path = ()
    severity: Literal["error", "warning"] = "error"
    file: str | None = None
    line: int | None = None

    def located(self, file: str | None, line: int | None) -> Problem:
        return replace(self, file=file, line=line if line is not None else self.line)

    def __str__(self) -> str:
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        kind = "" if self.severity == "error" else "warning: "
        fix = f"; fix: {self.hint}" if self.hint else ""
        return f"{where}: {kind}{format_path(self.path)}: {self.message}{fix}"


class ScenarioError(ValueError):
    """Raised when a scenario cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity == "warning"]
        super().__init__("\n".join(str(p) for p in self.problems))


SHOWN = 12
"""Names a fix lists at most: a file can declare an issue with a million options, and every
unknown option's message would otherwise repeat them all (quadratic in the file's size)."""


def listing(names: Iterable[str], shown: int = SHOWN) -> str:
    """`a, b, c`, or the first `shown` names and how many more."""
    names = list(names)
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])}, ... ({len(names) - shown} more)"


def one_of(names: Iterable[str]) -> str:
    """The fix for an unknown name: `use one of: ...`, at most `SHOWN` of them."""
    return f"use one of: {listing(names)}"
