"""Actor tables from files: KTAB SMP CSV and XML, the BDM CSV, and actor-list JSON.

Formats (described in the README.md of the shared forecasting data folder; docs/forecast.md):
- KTAB SMP CSV (Wise et al., KAPSARC): line 1 `name, description, #actors, #dimensions`;
  line 2 a header `Actor, Description, Influence, <Position d>, <Salience d> ...`; one row per
  actor. Fields are padded with spaces and rows end in a stray comma. Scale 0-100.
- KTAB SMP XML (`smpSchema.xsd`): `Dimensions/dName`, `Actors/Actor` with `capability`,
  `Position/dCoord`, `Salience/dSal`, plus `ModelParameters` (kept for the record). The shipped
  example starts with a byte-order mark and leaves one `dCoord` empty; such an actor is left
  out of that dimension with a warning. Reform-Priorities XML is a different model: refused.
- BDM CSV (`Actor,Capability,Position,Salience`, any column order), as in the Bueno de
  Mesquita (1994) emission-standards example; that file uses old-Mac CR line endings.
  Positions keep their own units (years there); saliences given on 0-1 are read as 0-100.
- JSON: `{"actors": [...]}` or `{"cases": [{"actors": [...]}, ...]}`, each actor with
  `position`, `salience`, `capability` as numbers or `{"low", "mode", "high"}` (the mode is used).

Tables without a declared scale (BDM CSV, JSON) use the span of the stated positions.
"""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

from accord.forecast.data import ActorTable, ForecastDataError, IssueData

TABLE_SUFFIXES = (".csv", ".xml", ".json")


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ForecastDataError(str(path), "file", f"cannot be read ({exc.strerror})",
                                "check the path") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    # CR (old Mac) and CRLF line endings both become LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _number(text: str, file: str, where: str, *, fix: str = "write a number") -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ForecastDataError(file, where, f"{text.strip()!r} is not a number", fix) from None
    if not math.isfinite(value):
        raise ForecastDataError(file, where, f"{text.strip()!r} is not a finite number", fix)
    return value


def _check_ranges(file: str, where: str, salience: float, capability: float) -> None:
    if not 0 <= salience <= 100:
        raise ForecastDataError(file, f"{where} salience", f"{salience:g} is outside 0-100",
                                "give saliences on a 0-100 scale")
    if capability < 0:
        raise ForecastDataError(file, f"{where} capability", f"{capability:g} is negative",
                                "give capabilities of 0 or more")


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text.strip())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "issue"


# --- KTAB CSV ------------------------------------------------------------------------------------

def _is_ktab_csv(rows: list[list[str]]) -> bool:
    return (len(rows) >= 2 and len(rows[0]) >= 4 and rows[1][:1] != []
            and rows[1][0].strip().lower() == "actor"
            and rows[0][0].strip().lower() != "actor")


def read_ktab_csv(path: Path, rows: list[list[str]]) -> ActorTable:
    file = str(path)
    head = [f.strip() for f in rows[0]]
    n_actors = _number(head[2], file, "line 1, field 3 (number of actors)",
                       fix="line 1 must read: name, description, #actors, #dimensions")
    n_dims = _number(head[3], file, "line 1, field 4 (number of dimensions)",
                     fix="line 1 must read: name, description, #actors, #dimensions")
    if n_dims < 1 or n_dims != int(n_dims) or n_actors != int(n_actors):
        raise ForecastDataError(file, "line 1", "the actor and dimension counts must be "
                                "whole numbers, at least one dimension",
                                "line 1 must read: name, description, #actors, #dimensions")
    d = int(n_dims)
    header = [f.strip() for f in rows[1]]
    while header and header[-1] == "":
        header.pop()
    if len(header) < 3 + 2 * d:
        raise ForecastDataError(file, "line 2 (header)",
                                f"{len(header)} columns for {d} dimension(s)",
                                f"give Actor, Description, Influence and a Position and "
                                f"Salience column per dimension ({3 + 2 * d} columns)")
    dims = []
    for k in range(d):
        label = header[3 + 2 * k]
        for suffix in (" Position", " position", "Position"):
            label = label.removesuffix(suffix)
        dims.append(label.strip() or f"dimension {k + 1}")
    body = [r for r in rows[2:] if any(f.strip() for f in r)]
    if len(body) != int(n_actors):
        raise ForecastDataError(file, "line 1, field 3 (number of actors)",
                                f"says {int(n_actors)} actors but {len(body)} rows follow",
                                "correct the count or the rows")
    names, descs, caps = [], [], []
    pos = np.zeros((len(body), d))
    sal = np.zeros((len(body), d))
    for r, row in enumerate(body):
        line = r + 3
        fields = [f.strip() for f in row]
        if len(fields) < 3 + 2 * d:
            raise ForecastDataError(file, f"line {line}", f"{len(fields)} fields, expected "
                                    f"{3 + 2 * d}", "give one value per header column")
        names.append(fields[0])
        descs.append(fields[1] or fields[0])
        caps.append(_number(fields[2], file, f"line {line}, {header[2]}"))
        for k in range(d):
            pos[r, k] = _number(fields[3 + 2 * k], file, f"line {line}, {header[3 + 2 * k]}")
            sal[r, k] = _number(fields[4 + 2 * k], file, f"line {line}, {header[4 + 2 * k]}")
            _check_ranges(file, f"line {line}", sal[r, k], caps[-1])
            if not 0 <= pos[r, k] <= 100:
                raise ForecastDataError(file, f"line {line}, {header[3 + 2 * k]}",
                                        f"{pos[r, k]:g} is outside 0-100",
                                        "KTAB positions run from 0 to 100")
    _unique(file, names)
    issues = tuple(
        IssueData(id=_slug(dims[k]), name=dims[k], actors=tuple(names),
                  actor_names=tuple(descs), position=pos[:, k], salience=sal[:, k],
                  capability=np.array(caps), low=0.0, high=100.0)
        for k in range(d))
    return ActorTable(name=head[0] or path.stem, source=file, kind="ktab-csv", issues=issues)


def _unique(file: str, names: list[str]) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise ForecastDataError(file, f"actor {n!r}", "appears twice",
                                    "give each actor one row")
        seen.add(n)


# --- BDM CSV -------------------------------------------------------------------------------------

_BDM_COLUMNS = ("actor", "capability", "position", "salience")


def read_bdm_csv(path: Path, rows: list[list[str]]) -> ActorTable:
    file = str(path)
    header = [f.strip().lower() for f in rows[0]]
    missing = [c for c in _BDM_COLUMNS if c not in header]
    if missing:
        raise ForecastDataError(file, "header", f"no {', '.join(missing)} column",
                                "the header must name Actor, Capability, Position, Salience "
                                "(or use the KTAB layout)")
    col = {c: header.index(c) for c in _BDM_COLUMNS}
    names, caps, pos, sal = [], [], [], []
    for r, row in enumerate(rows[1:], start=2):
        if not any(f.strip() for f in row):
            continue
        if len(row) < len(header):
            raise ForecastDataError(file, f"line {r}", f"{len(row)} fields, expected "
                                    f"{len(header)}", "give one value per header column")
        names.append(row[col["actor"]].strip())
        caps.append(_number(row[col["capability"]], file, f"line {r}, Capability"))
        pos.append(_number(row[col["position"]], file, f"line {r}, Position"))
        sal.append(_number(row[col["salience"]], file, f"line {r}, Salience"))
    if not names:
        raise ForecastDataError(file, "rows", "no actors", "add one row per actor")
    _unique(file, names)
    warnings = []
    s = np.array(sal)
    if s.max() <= 1.0:
        s = s * 100.0
        warnings.append(f"{file}: saliences are all at most 1, so read as 0-1 and scaled to "
                        "0-100")
    for r, (si, ci) in enumerate(zip(s, caps, strict=True), start=2):
        _check_ranges(file, f"line {r}", float(si), ci)
    p = np.array(pos)
    issue = IssueData(id=_slug(path.stem), name=path.stem, actors=tuple(names), position=p,
                      salience=s, capability=np.array(caps), low=float(p.min()),
                      high=float(p.max()))
    return ActorTable(name=path.stem, source=file, kind="bdm-csv", issues=(issue,),
                      warnings=tuple(warnings))


# --- KTAB XML ------------------------------------------------------------------------------------

def read_ktab_xml(path: Path) -> ActorTable:
    file = str(path)
    try:
        root = ET.fromstring(path.read_bytes())
    except ET.ParseError as exc:
        raise ForecastDataError(file, f"line {exc.position[0]}", "is not well-formed XML",
                                "fix the XML (an SMP file follows smpSchema.xsd)") from None
    except OSError as exc:
        raise ForecastDataError(file, "file", f"cannot be read ({exc.strerror})",
                                "check the path") from None
    if root.find("govBudget") is not None or root.find(".//ItemValues") is not None:
        raise ForecastDataError(file, "Scenario", "is a KTAB Reform-Priorities file, not a "
                                "spatial actor table", "give an SMP file (smpSchema.xsd): "
                                "Dimensions and Actors with Position and Salience")
    dims = [(d.text or "").strip() for d in root.findall("Dimensions/dName")]
    actors = root.findall("Actors/Actor")
    if not dims or not actors:
        raise ForecastDataError(file, "Scenario", "has no Dimensions/dName or Actors/Actor",
                                "give an SMP file following smpSchema.xsd")
    params = {el.tag: (el.text or "").strip() for el in root.findall("ModelParameters/*")}
    warnings = []
    if root.find("IdealAdjustment") is not None:
        warnings.append(f"{file}: IdealAdjustment pairs are not modelled and were ignored")
    names: list[str] = []
    rows: list[tuple[float, list[float | None], list[float]]] = []
    for a, actor in enumerate(actors, start=1):
        name = (actor.findtext("name") or "").strip()
        if not name:
            raise ForecastDataError(file, f"Actor {a}/name", "is empty", "name every actor")
        cap = _number(actor.findtext("capability") or "", file, f"Actor {name}/capability")
        coords = [(c.text or "").strip() for c in actor.findall("Position/dCoord")]
        sals = [(c.text or "").strip() for c in actor.findall("Salience/dSal")]
        if len(coords) != len(dims) or len(sals) != len(dims):
            raise ForecastDataError(file, f"Actor {name}/Position",
                                    f"{len(coords)} dCoord and {len(sals)} dSal for "
                                    f"{len(dims)} dimensions", "give one of each per dimension")
        pos_k: list[float | None] = []
        for k, text in enumerate(coords):
            if text == "":
                warnings.append(f"{file}: actor {name} has an empty dCoord on {dims[k]}; left "
                                "out of that dimension")
                pos_k.append(None)
            else:
                pos_k.append(_number(text, file, f"Actor {name}/Position/dCoord[{k + 1}]"))
        sal_k = [_number(t, file, f"Actor {name}/Salience/dSal[{k + 1}]")
                 for k, t in enumerate(sals)]
        for s in sal_k:
            _check_ranges(file, f"Actor {name}", s, cap)
        names.append(name)
        rows.append((cap, pos_k, sal_k))
    _unique(file, names)
    issues = []
    for k, dim in enumerate(dims):
        keep = [i for i, (_, p, _) in enumerate(rows) if p[k] is not None]
        skipped = tuple(f"{names[i]}: no position on {dim} in the file"
                        for i in range(len(rows)) if i not in keep)
        issues.append(IssueData(
            id=_slug(dim), name=dim, actors=tuple(names[i] for i in keep),
            position=np.array([rows[i][1][k] for i in keep], dtype=np.float64),
            salience=np.array([rows[i][2][k] for i in keep]),
            capability=np.array([rows[i][0] for i in keep]), low=0.0, high=100.0,
            skipped=skipped))
    title = (root.findtext("name") or path.stem).strip()
    return ActorTable(name=title, source=file, kind="ktab-xml", issues=tuple(issues),
                      warnings=tuple(warnings), params=params)


# --- JSON ----------------------------------------------------------------------------------------

def _mode(value: Any, file: str, where: str) -> float:
    if isinstance(value, dict):
        value = value.get("mode")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ForecastDataError(file, where, f"{value!r} is not a number",
                                "give a number or {\"low\", \"mode\", \"high\"}")
    return float(value)


def read_actors_json(path: Path, data: Any) -> ActorTable:
    file = str(path)
    cases = data.get("cases") if isinstance(data, dict) else None
    if cases is None:
        cases = [data]
    issues = []
    for c, case in enumerate(cases):
        where = f"cases[{c}]" if "cases" in data else ""
        actors = case.get("actors") if isinstance(case, dict) else None
        if not isinstance(actors, list) or not actors:
            raise ForecastDataError(file, f"{where}.actors".lstrip("."), "missing or empty",
                                    "give a list of actors with position, salience, "
                                    "capability")
        names, pos, sal, cap = [], [], [], []
        for a, actor in enumerate(actors):
            at = f"{where}.actors[{a}]".lstrip(".")
            if not isinstance(actor, dict):
                raise ForecastDataError(file, at, "is not an object",
                                        "give {id, position, salience, capability}")
            names.append(str(actor.get("id") or actor.get("name") or f"actor-{a + 1}"))
            pos.append(_mode(actor.get("position"), file, f"{at}.position"))
            sal.append(_mode(actor.get("salience"), file, f"{at}.salience"))
            cap.append(_mode(actor.get("capability"), file, f"{at}.capability"))
            _check_ranges(file, at, sal[-1], cap[-1])
        _unique(file, names)
        p = np.array(pos)
        continuum = case.get("continuum")
        if continuum is not None and not isinstance(continuum, dict):
            raise ForecastDataError(file, f"{where}.continuum".lstrip("."),
                                    f"{continuum!r} is not an object",
                                    'give {"label": "...", ...} or leave it out')
        label = (continuum or {}).get("label")
        ident = str(case.get("case_id") or case.get("question_id") or path.stem)
        issues.append(IssueData(
            id=_slug(ident), name=str(label or case.get("title") or ident),
            actors=tuple(names),
            actor_names=tuple(str(x.get("name") or n) for x, n in zip(actors, names,
                                                                       strict=True)),
            position=p, salience=np.array(sal), capability=np.array(cap),
            low=float(p.min()), high=float(p.max())))
    return ActorTable(name=path.stem, source=file, kind="actors-json", issues=tuple(issues))


# --- dispatch ------------------------------------------------------------------------------------

def is_actor_table(path: Path) -> bool:
    """True when the file looks like an actor table rather than a scenario."""
    if path.suffix.lower() in (".csv", ".xml"):
        return True
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(_read_text(path))
        except (ValueError, ForecastDataError):
            return False
        return isinstance(data, dict) and ("actors" in data or "cases" in data) \
            and "scenario" not in data
    return False


def load_table(path: str | Path) -> ActorTable:
    """Read an actor table, choosing the reader by suffix and content."""
    p = Path(path)
    file = str(p)
    if not p.exists():
        raise ForecastDataError(file, "file", "does not exist", "check the path")
    suffix = p.suffix.lower()
    if suffix == ".xml":
        return read_ktab_xml(p)
    text = _read_text(p)
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ForecastDataError(file, f"line {exc.lineno}", "is not valid JSON",
                                    "fix the JSON") from None
        return read_actors_json(p, data)
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(text), skipinitialspace=True))
        rows = [r for r in rows if r]
        if not rows:
            raise ForecastDataError(file, "file", "is empty", "give a header and actor rows")
        if _is_ktab_csv(rows):
            return read_ktab_csv(p, rows)
        return read_bdm_csv(p, rows)
    raise ForecastDataError(file, "file name", f"unknown suffix {suffix or '(none)'}",
                            "give a .csv (KTAB or BDM), .xml (KTAB SMP) or .json actor table")
