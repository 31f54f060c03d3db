"""The DEU III dataset (Decision-making in the EU; Arregui and Perarnaud 2021, JEPP).

364 controversial issues from 141 EU legislative proposals (1996-2019), as shared by
`blksv/predictioneers_game` (tab-separated). Columns `p<actor>` hold positions and `s<actor>`
saliences (0-100) for the Commission (`com`), the Parliament (`ep`) and 28 member states;
`rp` is the reference point (status quo), `out` the outcome (353 rows have one).

Quirks handled here, each pinned by a test:
- Row 2 is not an issue: blksv added member-state GDPs there (and 4.1, Germany's figure, for
  the Commission and the Parliament). DEU itself has no capability column, so this row is the
  capability of every actor; it is recognised by its empty issue identifiers.
- An actor with a position but no salience (54 cells) gets salience 50, the scale's midpoint;
  an actor with a salience but no position (a member state that took no stance, or was not
  yet a member) is left out of the issue.
- Dates are garbled: `999` means unknown; dates written `yyyy-mm-dd` are really `dd-mm-yy`
  read the wrong way round (hence 1930-05-01 for 30 May 2001 and 2029-10-08 for 29 October
  2008); `dd-mm-yy` and `dd-mm-yyyy` are read as such. Dates are kept for the record only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accord.forecast.data import ActorTable, ForecastDataError, IssueData

ACTORS = ("com", "ep", "at", "be", "bu", "cr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "el",
          "hu", "ie", "it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "si", "sk", "es",
          "se", "uk")
ACTOR_NAMES = {"com": "Commission", "ep": "European Parliament", "at": "Austria",
               "be": "Belgium", "bu": "Bulgaria", "cr": "Croatia", "cy": "Cyprus",
               "cz": "Czechia", "dk": "Denmark", "ee": "Estonia", "fi": "Finland",
               "fr": "France", "de": "Germany", "el": "Greece", "hu": "Hungary",
               "ie": "Ireland", "it": "Italy", "lv": "Latvia", "lt": "Lithuania",
               "lu": "Luxembourg", "mt": "Malta", "nl": "Netherlands", "pl": "Poland",
               "pt": "Portugal", "ro": "Romania", "si": "Slovenia", "sk": "Slovakia",
               "es": "Spain", "se": "Sweden", "uk": "United Kingdom"}
MISSING_SALIENCE = 50.0
DATASETS = {"deu3": Path("deu3") / "deu3.csv"}
ENV_DATA_DIR = "ACCORD_FORECAST_DATA"
REPO_DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "forecasting"
"""../shared/data/forecasting beside the repository checkout this package runs from."""
IN_CHECKOUT = (Path(__file__).resolve().parents[2] / "pyproject.toml").is_file()
"""Whether this package runs from a source checkout (REPO_DATA_DIR means nothing otherwise)."""
WHERE_TO_GET = {
    "deu3": ("DEU III is not shipped with accord: its redistribution licence is not stated "
             "(check doi:10.34810/data53); get deu3.csv from "
             "https://github.com/blksv/predictioneers_game"),
}
"""Where each dataset comes from, for the one-line message when it is not found."""
_REQUIRED = ("isnr", "proc", "counvte", "rp", "out",
             *(f"p{a}" for a in ACTORS), *(f"s{a}" for a in ACTORS))


def parse_date(text: str) -> dt.date | None:
    """A DEU date, undoing the day/year swap of `yyyy-mm-dd` cells; None when unknown."""
    t = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", t):
            # Really dd-mm-yy read as yy-mm-dd: the "year" holds the day, the "day" the year.
            day, month, yy = int(m[1]) % 100, int(m[2]), int(m[3])
            return dt.date(_century(yy), month, day)
        if m := re.fullmatch(r"(\d{2})-(\d{2})-(\d{2})", t):
            return dt.date(_century(int(m[3])), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{2})-(\d{2})-(\d{4})", t):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None


def _century(yy: int) -> int:
    return 1900 + yy if yy >= 50 else 2000 + yy


@dataclass(frozen=True)
class DeuInfo:
    """What the loader did with the file's quirks, for tests and the record."""

    rows: int
    with_outcome: int
    capability_row: bool
    filled_salience: int
    unknown_dates: int


def data_dirs(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """The folders searched for datasets, in order: `data_dir` when given (then only it), else
    $ACCORD_FORECAST_DATA when set, then ../shared/data/forecasting beside the repository
    checkout (`REPO_DATA_DIR`)."""
    if data_dir:
        return [Path(data_dir)]
    env = os.environ.get(ENV_DATA_DIR)
    return [*([Path(env)] if env else []), *([REPO_DATA_DIR] if IN_CHECKOUT else [])]


def find_dataset(name: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The file of a named dataset, in the first of `data_dirs(data_dir)` that holds it."""
    if name not in DATASETS:
        raise ForecastDataError(f"--dataset {name}", "dataset", "is not a known dataset",
                                f"use one of: {', '.join(DATASETS)}")
    bases = data_dirs(data_dir)
    for base in bases:
        if (base / DATASETS[name]).is_file():
            return base / DATASETS[name]
    if not bases:  # an installed package, nothing configured: say where to get it
        raise ForecastDataError(f"--dataset {name}", "dataset", WHERE_TO_GET[name],
                                f"save it as FOLDER/{DATASETS[name].as_posix()} and pass "
                                f"--data-dir FOLDER (or set {ENV_DATA_DIR}=FOLDER)")
    where = ", ".join(str(b / DATASETS[name]) for b in bases)
    raise ForecastDataError(str(bases[0] / DATASETS[name]), "file",
                            f"not found (looked in {where}); {WHERE_TO_GET[name]}",
                            f"pass --data-dir with the folder holding {DATASETS[name]}, or "
                            f"set {ENV_DATA_DIR}")


def load_deu(path: str | os.PathLike[str], *, only_with_outcome: bool = True
             ) -> tuple[ActorTable, DeuInfo]:
    """Issues of a DEU file, in file order (by default only those with a known outcome)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ForecastDataError(file, "file", f"cannot be read ({exc.strerror})",
                                "check the path or --data-dir") from None
    except UnicodeDecodeError:
        raise ForecastDataError(file, "file", "is not UTF-8 text",
                                "give the tab-separated DEU file") from None
    rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n")), delimiter="\t"))
    if not rows:
        raise ForecastDataError(file, "header", "the file is empty",
                                "give the tab-separated DEU file")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ForecastDataError(file, "header", f"no column {shown}",
                                "give the DEU III file with tab-separated p*/s* columns, rp "
                                "and out")
    col = {h: k for k, h in enumerate(header)}
    body = [r + [""] * (len(header) - len(r)) for r in rows[1:] if any(f.strip() for f in r)]
    capability = np.ones(len(ACTORS))
    has_cap_row = bool(body) and body[0][col["isnr"]].strip() == ""
    if has_cap_row:
        cap_row = body.pop(0)
        for a, actor in enumerate(ACTORS):
            capability[a] = _cell(cap_row[col[f"p{actor}"]], file, 2, f"p{actor}")
    issues: list[IssueData] = []
    filled = unknown_dates = with_outcome = 0
    for r, row in enumerate(body, start=3 if has_cap_row else 2):
        out = row[col["out"]].strip()
        if out:
            with_outcome += 1
        elif only_with_outcome:
            continue
        keep, pos, sal = [], [], []
        for a, actor in enumerate(ACTORS):
            p_text, s_text = row[col[f"p{actor}"]].strip(), row[col[f"s{actor}"]].strip()
            if not p_text:
                continue
            keep.append(a)
            pos.append(_cell(p_text, file, r, f"p{actor}"))
            if s_text:
                sal.append(_cell(s_text, file, r, f"s{actor}"))
            else:
                sal.append(MISSING_SALIENCE)
                filled += 1
        dates = {k: row[col[k]].strip() for k in ("intro", "finact") if k in col}
        parsed = {k: parse_date(v) for k, v in dates.items()}
        unknown_dates += sum(1 for v in parsed.values() if v is None)
        rp = row[col["rp"]].strip()
        ident = row[col["isnr"]].strip().strip('"') or f"row{r}"
        meta = {"proc": row[col["proc"]].strip(), "vote": row[col["counvte"]].strip(),
                "proposal": row[col["prname"]].strip() if "prname" in col else "",
                "line": str(r)}
        meta.update({k: (v.isoformat() if v else "") for k, v in parsed.items()})
        issues.append(IssueData(
            id=ident, name=ident, actors=tuple(ACTORS[a] for a in keep),
            actor_names=tuple(ACTOR_NAMES[ACTORS[a]] for a in keep),
            position=np.array(pos, dtype=np.float64), salience=np.array(sal),
            capability=capability[keep] if keep else np.zeros(0),
            reference=_cell(rp, file, r, "rp") if rp else None,
            outcome=_cell(out, file, r, "out") if out else None, meta=meta))
    info = DeuInfo(rows=len(body), with_outcome=with_outcome, capability_row=has_cap_row,
                   filled_salience=filled, unknown_dates=unknown_dates)
    table = ActorTable(name=Path(path).stem, source=file, kind="deu", issues=tuple(issues))
    return table, info


def _cell(text: str, file: str, line: int, column: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ForecastDataError(file, f"line {line}, column {column}",
                                f"{text!r} is not a number",
                                "leave the cell empty or write a number") from None


def split(issues: Sequence[IssueData]) -> tuple[list[IssueData], list[IssueData]]:
    """The fixed split: even positions (0-based, among issues with an outcome) develop, odd
    ones are held out."""
    rated = [i for i in issues if i.outcome is not None]
    return rated[0::2], rated[1::2]
