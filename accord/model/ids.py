"""The one id syntax: what scenarios, parties, issues, plans, sources and statements are called.

An id is letters, digits and `_ . : -`, starting with a letter or a digit (so never `..`,
never a path, never empty), at most 128 characters. Ids name files (`accord export genius`
writes `<scenario>-<party>.xml`), URLs and table columns, so they must be safe in all of them.
Option values are not ids: they stay free text. Names (`name`, `title`) are free text too and
keep whatever a human wrote (`Bread type`); `safe_id` turns such a name into an id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from accord.model.problems import Path, Problem

ID_RULE = ("letters, digits and _ . : - only, starting with a letter or digit, at most 128 "
           "characters")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def is_id(text: object) -> bool:
    return isinstance(text, str) and ID_PATTERN.fullmatch(text) is not None


def safe_id(name: str, taken: Iterable[str] = (), fallback: str = "id") -> str:
    """An id for a free-text name: accents dropped, every run of other characters made one
    `_`, unique among `taken` (by a `_2`, `_3`... suffix). `Bread type` -> `Bread_type`."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9_.:-]+", "_", ascii_).strip("_.:-")[:120] or fallback
    if not base[0].isalnum():
        base = f"{fallback}_{base}"
    used = set(taken)
    out, k = base, 2
    while out in used:
        out, k = f"{base}_{k}", k + 1
    return out


def id_problems(scenario: object) -> list[Problem]:
    """One error per id breaking the rule, with its field path and a suggested id."""
    s: object = scenario
    checks: list[tuple[str, Path]] = [(getattr(s, "scenario", ""), ("scenario",))]
    for kind in ("parties", "issues", "plans", "sources", "statements"):
        for k, item in enumerate(getattr(s, kind, []) or []):
            checks.append((item.id, (kind, k, "id")))
    out = []
    for ident, path in checks:
        if not is_id(ident):
            out.append(Problem(f"id {ident!r} is not a valid id ({ID_RULE})",
                               f"rename it, e.g. to {safe_id(str(ident))!r}, everywhere it is "
                               f"used", path))
    return out
