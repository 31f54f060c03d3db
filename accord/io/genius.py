"""Genius XML (Lin, Kraus, Baarslag, Tykhonov, Hindriks and Jonker 2014, "Genius: an integrated
environment for supporting the design of generic automated negotiators", Computational
Intelligence 30(1)): import of domain and additive utility-space files, and export.

Utilities are computed as Genius 10.4 does (`AdditiveUtilitySpace`, `EvaluatorDiscrete`,
`EvaluatorInteger`, `EvaluatorReal`):
- weights are divided by their sum;
- discrete: evaluation / the issue's largest evaluation (0 when that is below 1e-5);
- integer: clamp(offset + slope * (x - lowerbound), 0, 1), one numeric option per integer;
- real: the range is discretised on a grid of `real_steps` equally spaced points from the
  domain's lower to upper bound (both included); each grid point's value is the evaluator's
  exact value there (linear: clamp(p0 + p1 x, 0, 1); triangular (p0 low, p1 high, p2 top);
  constant: p0). Utilities at grid points are therefore exact; between them nothing is claimed.
- reservation value -> the party's reservation; the discount factor -> the party's
  `discount` (Genius's 0 means no discounting, as does 1), written back on export.

Tolerant reading, for the faulty originals listed in the shared data README: text before the
`<?xml` declaration is dropped, a bare `&` is read as `&amp;`, and a missing space between two
attributes (`type="discrete"vtype=...`) is restored; a discrete value listed twice in a domain
is kept once. `type="UNCERTAIN"` profiles are read as their additive part (comparisons ignored).
Non-linear profiles (`type="nonlinear"` with hyper-rectangles, `type="constraint"`) are refused
with an error naming the construct.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from accord.model import Scenario, option_key, parse_scenario
from accord.model.ids import ID_RULE, is_id, safe_id
from accord.model.problems import ScenarioError
from accord.model.scenario import Issue

REAL_STEPS = 11


class GeniusError(ValueError):
    """A Genius file accord cannot read: the message names the file, the element and the fix."""


def _tolerant(text: str) -> str:
    start = text.find("<?xml")
    if start > 0:
        text = text[start:]
    text = re.sub(r"&(?!(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]\w*);)", "&amp;", text)
    return re.sub(r'(="[^"]*")(?=[A-Za-z_])', r"\1 ", text)


def parse_xml(path: str | Path) -> ET.Element:
    """The root element, reading the known faults of original Genius files tolerantly."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise GeniusError(f"{p}: cannot read: {exc.strerror or exc}") from None
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        pass
    try:
        return ET.fromstring(_tolerant(text))
    except ET.ParseError as exc:
        raise GeniusError(f"{p}: not well-formed XML ({exc}); fix: check the file is a Genius "
                          f"domain or utility-space file") from None


def _kind(el: ET.Element) -> str:
    for attr in ("etype", "type", "vtype"):
        v = el.get(attr)
        if v in ("discrete", "integer", "real"):
            return v
    return "discrete"


def _issues(root: ET.Element) -> list[ET.Element]:
    return list(root.iter("issue"))


def _float(el: ET.Element, attr: str, where: str, default: float | None = None) -> float:
    v = el.get(attr)
    if v is None:
        if default is not None:
            return default
        raise GeniusError(f"{where}: <{el.tag}> lacks attribute {attr!r}; fix: add it")
    try:
        x = float(v)
    except ValueError:
        raise GeniusError(f"{where}: <{el.tag} {attr}={v!r}> is not a number; fix: write a "
                          f"number") from None
    if not math.isfinite(x):
        raise GeniusError(f"{where}: <{el.tag} {attr}={v!r}> is not a finite number; fix: "
                          f"write a finite number")
    return x


def _range(issue: ET.Element, where: str) -> tuple[float, float]:
    if issue.get("lowerbound") is not None:
        return _float(issue, "lowerbound", where), _float(issue, "upperbound", where)
    rng = issue.find("range")
    if rng is None:
        raise GeniusError(f"{where}: issue {issue.get('name')!r} has no range; fix: add "
                          f"<range lowerbound=.. upperbound=..>")
    return _float(rng, "lowerbound", where), _float(rng, "upperbound", where)


MAX_OPTIONS = 1_000_000
"""An integer issue may have at most this many values."""


def _check_range(name: str, kind: str, lo: float, hi: float, where: str) -> None:
    if lo > hi:
        raise GeniusError(f"{where}: {kind} issue {name!r} has lowerbound {lo} above "
                          f"upperbound {hi}; fix: swap them")


def read_domain(path: str | Path, real_steps: int = REAL_STEPS) -> list[dict[str, Any]]:
    """Issues as scenario data: [{id, name, kind, options, genius: {...}}]."""
    root = parse_xml(path)
    where = str(path)
    out: list[dict[str, Any]] = []
    taken: list[str] = []
    for el in _issues(root):
        name = el.get("name")
        if not name:
            raise GeniusError(f"{where}: an <issue> has no name; fix: add name=\"...\"")
        kind = _kind(el)
        # The id is the name made safe (`Bread type` -> `Bread_type`); `name` keeps the
        # original, which profiles are matched by and export writes back.
        if name in [i["name"] for i in out]:
            raise GeniusError(f"{where}: two issues share a name; accord needs unique names")
        iid = safe_id(name, taken, "issue")
        taken.append(iid)
        info: dict[str, Any] = {"kind": kind, "index": el.get("index"), "name": name}
        if kind == "discrete":
            opts: list[Any] = []
            for item in el.iter("item"):
                v = item.get("value")
                if v is not None and v not in opts:
                    opts.append(v)
            if not opts:
                raise GeniusError(f"{where}: discrete issue {name!r} has no <item value=..>")
            out.append({"id": iid, "name": name, "options": opts, "_genius": info})
        elif kind == "integer":
            lo, hi = _range(el, where)
            _check_range(name, "integer", lo, hi, where)
            if hi - lo >= MAX_OPTIONS:
                raise GeniusError(f"{where}: integer issue {name!r} has more than "
                                  f"{MAX_OPTIONS} values; fix: narrow its bounds")
            opts = list(range(int(lo), int(hi) + 1))
            info.update(lowerbound=int(lo), upperbound=int(hi))
            out.append({"id": iid, "name": name, "kind": "numeric", "options": opts,
                        "_genius": info})
        else:
            lo, hi = _range(el, where)
            _check_range(name, "real", lo, hi, where)
            if real_steps < 2:
                raise GeniusError("real_steps must be at least 2")
            grid = [lo + (hi - lo) * k / (real_steps - 1) for k in range(real_steps)]
            info.update(lowerbound=lo, upperbound=hi)
            out.append({"id": iid, "name": name, "kind": "numeric", "options": grid,
                        "_genius": info})
    if not out:
        raise GeniusError(f"{where}: no <issue> found; fix: give a Genius domain file")
    names = [i["id"] for i in out]
    if len(set(names)) != len(names):
        raise GeniusError(f"{where}: two issues share a name; accord needs unique names")
    return out


def _clamp(v: float) -> float:
    return min(1.0, max(0.0, v))


def _real_eval(ev: ET.Element, x: float, where: str) -> float:
    ftype = ev.get("ftype", "linear")
    if ftype == "linear":
        return _clamp(_float(ev, "parameter0", where, 0.0) + _float(ev, "parameter1", where, 0.0)
                      * x)
    if ftype == "constant":
        return _clamp(_float(ev, "parameter0", where))
    if ftype == "triangular":
        lo, hi, top = (_float(ev, f"parameter{k}", where) for k in range(3))
        if lo <= x < top:
            return _clamp((x - lo) / (top - lo))
        if top <= x < hi:
            return _clamp(1.0 - (x - top) / (hi - top))
        return 0.0
    raise GeniusError(f"{where}: real evaluator ftype={ftype!r} is not supported; fix: use "
                      f"linear, triangular or constant")


def read_profile(path: str | Path, issues: list[dict[str, Any]]) -> dict[str, Any]:
    """One additive profile: {weights, values, reservation, discount} over `issues`."""
    root = parse_xml(path)
    where = str(path)
    if root.tag != "utility_space":
        raise GeniusError(f"{where}: root element is <{root.tag}>, not <utility_space>; fix: "
                          f"give a utility-space (profile) file, not a domain file")
    kind = (root.get("type") or "").lower()
    if kind in ("nonlinear", "constraint") or root.find(".//hyperRectangle") is not None \
            or root.find(".//utility") is not None and root.find(".//weight") is None:
        raise GeniusError(f"{where}: non-linear utility space (type={root.get('type')!r}, "
                          f"<hyperRectangle> constraints) is not supported; accord reads "
                          f"linear-additive profiles only")
    by_name = {el.get("name"): el for el in _issues(root)}
    by_index = {el.get("index"): el for el in _issues(root)}
    _same_domain(root, issues, where)
    raw_w: dict[str, float] = {}
    weights = {w.get("index"): _float(w, "value", where) for w in root.iter("weight")}
    values: dict[str, dict[str, float]] = {}
    for iss in issues:
        info = iss["_genius"]
        name = info["name"]
        el = by_name.get(name)
        if el is None:
            el = by_index.get(info.get("index"))
        if el is None:
            raise GeniusError(f"{where}: no evaluation for issue {name!r}; fix: the profile "
                              f"must list every issue of the domain")
        w = weights.get(el.get("index"))
        if w is None:
            raise GeniusError(f"{where}: issue {name!r} has no <weight index="
                              f"{el.get('index')!r}>; fix: add it")
        if w < 0:
            raise GeniusError(f"{where}: <weight value={_fmt(w)!r}> of issue {name!r} is "
                              f"negative; fix: give weights >= 0")
        raw_w[iss["id"]] = w
        table: dict[str, float] = {}
        if info["kind"] == "discrete":
            evals: dict[str, float] = {}
            for item in el.iter("item"):
                v = item.get("value")
                if v is not None and v not in evals:
                    evals[v] = _float(item, "evaluation", where, 0.0)
            top = max(evals.values(), default=0.0)
            for opt in iss["options"]:
                e = evals.get(opt, 0.0)
                table[option_key(opt)] = 0.0 if top < 1e-5 else e / top
        else:
            ev = el.find("evaluator")
            if ev is None and el.get("type") == "price":
                raise GeniusError(f"{where}: issue {name!r} uses Genius's price evaluation "
                                  f"(type=\"price\", <rationality_factor>), which is not "
                                  f"supported; accord reads linear, triangular and constant "
                                  f"evaluators")
            if ev is None:
                raise GeniusError(f"{where}: {info['kind']} issue {name!r} has no <evaluator>")
            for opt in iss["options"]:
                if info["kind"] == "integer":
                    if ev.get("ftype", "linear") != "linear":
                        raise GeniusError(f"{where}: integer evaluator ftype="
                                          f"{ev.get('ftype')!r} is not supported")
                    e = _clamp(_float(ev, "offset", where, 0.0) + _float(ev, "slope", where, 0.0)
                               * (opt - info["lowerbound"]))
                else:
                    e = _real_eval(ev, float(opt), where)
                table[option_key(opt)] = e
        values[iss["id"]] = table
    total = sum(raw_w.values())
    if total <= 0:
        raise GeniusError(f"{where}: the weights sum to {total}; fix: give positive weights")
    res = root.find("reservation")
    disc = root.find("discount_factor")
    return {
        "weights": {k: v / total for k, v in raw_w.items()},
        "values": values,
        "reservation": _float(res, "value", where) if res is not None else None,
        "discount": _float(disc, "value", where) if disc is not None else None,
    }


def _same_domain(root: ET.Element, issues: list[dict[str, Any]], where: str) -> None:
    """Refuse a profile written for another domain: matching it by position would give
    preferences over issues and values it never mentions."""
    options = {iss["_genius"]["name"]: iss for iss in issues}
    for el in _issues(root):
        name = el.get("name")
        if name is not None and name not in options:
            raise GeniusError(f"{where}: profile issue {name!r} is not in the domain (its "
                              f"issues: {', '.join(map(repr, options))}); fix: give the "
                              f"profile written for this domain")
        iss = options.get(name) if name is not None else None
        if iss is None or iss["_genius"]["kind"] != "discrete":
            continue
        # Genius ignores extra evaluations (some ANAC profiles list a value their domain
        # lacks); a foreign value standing where a domain value has none is a mismatch.
        known = {option_key(o) for o in iss["options"]}
        listed = [v for item in el.iter("item") if (v := item.get("value")) is not None]
        if known <= set(listed):
            continue
        for v in listed:
            if v not in known:
                raise GeniusError(f"{where}: value {v!r} of profile issue {name!r} is not in "
                                  f"the domain (its values: "
                                  f"{', '.join(map(repr, iss['options']))}); fix: give the "
                                  f"profile written for this domain")


def _party_id(path: str | Path) -> str:
    return safe_id(Path(path).stem, fallback="party")


def build_scenario(scenario_id: str, title: str, issues: list[dict[str, Any]],
                   profiles: Sequence[dict[str, Any]], party_ids: Sequence[str],
                   note: str, source: str) -> Scenario:
    """Scenario data from issues and profiles, validated like any scenario file."""
    parties = []
    prefs = {}
    for pid, prof in zip(party_ids, profiles, strict=True):
        party: dict[str, Any] = {"id": pid, "name": pid, "role": "party",
                                 "reservation": prof.get("reservation") or 0.0}
        disc = prof.get("discount")
        if disc is not None and 0 < disc <= 1:
            party["discount"] = disc
        parties.append(party)
        prefs[pid] = {"weights": {k: v for k, v in prof["weights"].items() if v > 0},
                      "values": {k: v for k, v in prof["values"].items()
                                 if prof["weights"].get(k, 0) > 0}}
    data = {
        "scenario": safe_id(scenario_id, fallback="scenario"), "title": title, "note": note,
        "parties": parties,
        "issues": [{k: v for k, v in i.items() if not k.startswith("_")} for i in issues],
        "preferences": prefs,
        "description": f"Imported from {source}.",
    }
    try:
        scenario, _ = parse_scenario(data, file=source)
    except ScenarioError as exc:
        what = "; ".join(str(p) for p in exc.problems) or str(exc).replace("\n", "; ")
        raise GeniusError(f"{source}: the imported scenario is not valid: {what}") from None
    return scenario


def import_genius(domain: str | Path, profiles: Sequence[str | Path],
                  party_ids: Sequence[str] | None = None, real_steps: int = REAL_STEPS,
                  scenario_id: str | None = None) -> Scenario:
    """A scenario from a Genius domain file and one utility-space file per party."""
    if not profiles:
        raise GeniusError("no profile files given; fix: pass one utility-space file per party")
    issues = read_domain(domain, real_steps)
    profs = [read_profile(p, issues) for p in profiles]
    ids = list(party_ids) if party_ids else [_party_id(p) for p in profiles]
    if len(set(ids)) != len(ids):
        ids = [f"{i}-{k + 1}" for k, i in enumerate(ids)]
    sid = scenario_id or _party_id(domain)
    return build_scenario(sid, f"{sid} (Genius domain)", issues, profs, ids,
                          "Imported from Genius XML; utilities as Genius computes them.",
                          str(domain))


# --- export ----------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return repr(float(x))


def _linear_integer(options: Sequence[Any], values: Sequence[float]) -> tuple[float, float] | None:
    """(offset, slope) when numeric integer options are consecutive and values exactly linear
    (and inside [0, 1]), so an integer issue with a linear evaluator reproduces them."""
    if not all(isinstance(o, int) and not isinstance(o, bool) for o in options):
        return None
    if len(options) < 2 or list(options) != list(range(options[0], options[0] + len(options))):
        return None
    inside = [k for k, v in enumerate(values) if 0.0 < v < 1.0]
    if len(inside) >= 2:
        j1, j2 = inside[0], inside[-1]
        slope = (values[j2] - values[j1]) / (j2 - j1)
        offset = values[j1] - slope * j1
    elif len(set(values)) == 1:
        offset, slope = values[0], 0.0
    else:
        return None
    for k, v in enumerate(values):
        if abs(_clamp(offset + slope * k) - v) > 1e-12:
            return None
    return offset, slope


def genius_name(issue: Issue) -> str:
    """The name Genius sees: the original name when the id was made from it on import
    (`Bread type` for `Bread_type`), so a round trip keeps both; else the id."""
    return issue.name if safe_id(issue.name, fallback="issue") == issue.id else issue.id


def output_path(outdir: Path, *ids: str, suffix: str) -> Path:
    """`outdir/<id>-<id><suffix>`, refusing anything that would land outside `outdir` (ids
    are checked by validation; this keeps a hand-built Scenario from escaping too)."""
    bad = [i for i in ids if not is_id(i)]
    if bad:
        raise GeniusError(f"id {bad[0]!r} is not a valid id, so it cannot name a file; fix: "
                          f"rename it ({ID_RULE})")
    path = outdir / ("-".join(ids) + suffix)
    if path.resolve().parent != outdir.resolve():
        raise GeniusError(f"{path} would be written outside {outdir}; fix: rename the ids")
    return path


def export_genius(scenario: Scenario, outdir: str | Path) -> tuple[list[Path], list[str]]:
    """Write `<id>-domain.xml` and one `<id>-<party>.xml` per scored party; return the paths
    and warnings (Genius rescales each discrete issue to a best value of 1: a party whose best
    option on an issue is worth less than 1 gets that issue's weight scaled so its utilities
    stay the same up to one common factor, which the warning states; the reservation is divided
    by the same factor, clipped to [0, 1], so every accept verdict survives the round trip)."""
    out = Path(outdir)
    sid = scenario.scenario
    scored = scenario.scored_party_ids
    warnings: list[str] = []
    # Decide each issue's Genius type: integer with a linear evaluator when every party's
    # values are exactly linear over consecutive integers, else discrete.
    int_fit: dict[str, dict[str, tuple[float, float]]] = {}
    for iss in scenario.issues:
        fits = {}
        for pid in scored:
            vals = [scenario.preferences[pid].values[iss.id][option_key(o)] for o in iss.options]
            fit = _linear_integer(iss.options, vals) if iss.kind == "numeric" else None
            if fit is None:
                break
            fits[pid] = fit
        else:
            if scored and iss.kind == "numeric":
                int_fit[iss.id] = fits
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<negotiation_template>",
             f'<utility_space number_of_issues="{len(scenario.issues)}">',
             '<objective index="0" name="root" type="objective" etype="objective">']
    for k, iss in enumerate(scenario.issues, start=1):
        name = quoteattr(genius_name(iss))
        if iss.id in int_fit:
            lo, hi = iss.options[0], iss.options[-1]
            lines.append(f'<issue index="{k}" name={name} etype="integer" type="integer" '
                         f'vtype="integer" lowerbound="{lo}" upperbound="{hi}"/>')
        else:
            lines.append(f'<issue index="{k}" name={name} etype="discrete" type="discrete" '
                         f'vtype="discrete">')
            for j, o in enumerate(iss.options, start=1):
                lines.append(f'<item index="{j}" value={quoteattr(option_key(o))}/>')
            lines.append("</issue>")
    lines += ["</objective>", "</utility_space>", "</negotiation_template>", ""]
    paths = [output_path(out, sid, "domain", suffix=".xml")]
    party_paths = {pid: output_path(out, sid, pid, suffix=".xml") for pid in scored}
    from accord.io.loader import write_atomic

    write_atomic(paths[0], "\n".join(lines))
    for pid in scored:
        pref = scenario.preferences[pid]
        party = scenario.party(pid)
        body = ["<utility_space>",
                '<objective index="0" name="root" type="objective" etype="objective">']
        wlines = []
        scale_total = 0.0
        for k, iss in enumerate(scenario.issues, start=1):
            w = pref.weights.get(iss.id, 0.0)
            vals = [pref.values[iss.id][option_key(o)] for o in iss.options]
            name = quoteattr(genius_name(iss))
            if iss.id in int_fit:
                offset, slope = int_fit[iss.id][pid]
                body.append(f'<issue index="{k}" name={name} etype="integer" type="integer" '
                            f'vtype="integer" lowerbound="{iss.options[0]}" '
                            f'upperbound="{iss.options[-1]}">')
                body.append(f'<evaluator ftype="linear" offset="{_fmt(offset)}" '
                            f'slope="{_fmt(slope)}"/>')
                w_out = w
            else:
                top = max(vals)
                body.append(f'<issue index="{k}" name={name} etype="discrete" type="discrete" '
                            f'vtype="discrete">')
                for j, (o, v) in enumerate(zip(iss.options, vals, strict=True), start=1):
                    body.append(f'<item index="{j}" value={quoteattr(option_key(o))} '
                                f'evaluation="{_fmt(v)}"/>')
                w_out = w * top if top >= 1e-5 else w
            body.append("</issue>")
            scale_total += w_out
            wlines.append(f'<weight index="{k}" value="{_fmt(w_out)}"/>')
        body += wlines + ["</objective>"]
        if party.discount is not None:
            body.append(f'<discount_factor value="{_fmt(party.discount)}"/>')
        scaled = not math.isclose(scale_total, 1.0, rel_tol=0, abs_tol=1e-12)
        reservation = party.reservation
        res_note = ""
        if reservation is not None and scaled and scale_total > 0:
            # Genius divides the weights by their sum (scale_total), so every Genius utility is
            # accord's / scale_total; the walk-away must scale with them to keep each verdict.
            written = _clamp(reservation / scale_total)
            res_note = (f"its reservation is written as {reservation:.6g} / {scale_total:.6f}"
                        f" = {written:.6g}" + (" (clipped to 1)" if written
                                                < reservation / scale_total else "") + "; ")
            reservation = written
        if reservation is not None:
            body.append(f'<reservation value="{_fmt(reservation)}"/>')
        body += ["</utility_space>", ""]
        if scaled:
            warnings.append(f"{pid}: some issue's best option is worth less than 1, which "
                            f"Genius cannot express; {res_note}its Genius utilities are "
                            f"accord's divided by {scale_total:.6f}")
        path = party_paths[pid]
        write_atomic(path, "\n".join(body))
        paths.append(path)
    return paths, warnings
