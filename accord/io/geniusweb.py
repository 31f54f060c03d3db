"""GeniusWeb JSON (Jonker and colleagues, GeniusWeb, TU Delft 2020; the format of the ANAC 2020-
and ANL 2023 domains): import of a domain and its `LinearAdditiveUtilitySpace` profiles.

Semantics follow GeniusWeb: value utilities and issue weights are used as given (they are in
[0, 1] and the weights sum to 1), u = sum_i w_i * v_i(x_i). Both spellings of the value-set
utilities are read (`discreteutils` / `DiscreteValueSetUtilities`; `numberutils` /
`NumberValueSetUtilities`, linear between (lowValue, lowUtility) and (highValue, highUtility),
0 outside). A numeric issue `{"range": {"low", "high", "step"}}` becomes the numeric options
low, low + step, ..., high. The reservation is the profile's utility of its `reservationBid`
(0 when absent or null). Other profile types (`SumOfGroupsUtilitySpace`, partial orderings)
are refused with an error naming the construct.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from accord.io.genius import GeniusError, _party_id, build_scenario
from accord.model import Scenario, option_key
from accord.model.ids import safe_id

_DISCRETE = ("discreteutils", "DiscreteValueSetUtilities")
_NUMBER = ("numberutils", "NumberValueSetUtilities")


def _read(path: str | Path) -> Any:
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise GeniusError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise GeniusError(f"{p}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except UnicodeDecodeError:
        raise GeniusError(f"{p}: not UTF-8 text; fix: give a GeniusWeb JSON file") from None
    except RecursionError:
        raise GeniusError(f"{p}: JSON nested too deeply; fix: give a GeniusWeb JSON "
                          f"file") from None


def _kind_of(x: Any) -> str:
    return "null" if x is None else type(x).__name__


def _dict(x: Any, where: str, element: str, fix: str) -> dict[str, Any]:
    if not isinstance(x, dict):
        raise GeniusError(f"{where}: {element} is {_kind_of(x)}, not an object; fix: {fix}")
    return x


def _number(x: Any, where: str, element: str) -> float:
    """A finite JSON number (not a boolean, string or null)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise GeniusError(f"{where}: {element} is {x!r}, not a number; fix: write a number")
    v = float(x)
    if not math.isfinite(v):
        raise GeniusError(f"{where}: {element} is {x!r}; fix: write a finite number")
    return v


MAX_GRID = 1_000_000
"""A numeric range may list at most this many values."""


def _grid(rng: Any, where: str) -> list[float | int]:
    rng = _dict(rng, where, "`range`", 'write {"low": .., "high": .., "step": ..}')
    bounds = []
    for k in ("low", "high", "step"):
        if k not in rng:
            raise GeniusError(f"{where}: numeric range lacks {k!r}; fix: add it")
        _number(rng[k], where, f"range {k!r}")
        bounds.append(Decimal(str(rng[k])))
    low, high, step = bounds
    if step <= 0 or high < low:
        raise GeniusError(f"{where}: numeric range needs step > 0 and low <= high")
    if (high - low) / step >= MAX_GRID:
        raise GeniusError(f"{where}: numeric range has more than {MAX_GRID} values; fix: use "
                          f"a coarser step")
    out: list[float | int] = []
    x = low
    while x <= high:
        out.append(int(x) if x == x.to_integral_value() else float(x))
        x += step
    return out


def read_domain(data_or_path: Any, where: str = "domain") -> list[dict[str, Any]]:
    data = _read(data_or_path) if isinstance(data_or_path, str | Path) else data_or_path
    where = str(data_or_path) if isinstance(data_or_path, str | Path) else where
    iv = data.get("issuesValues") if isinstance(data, dict) else None
    if not isinstance(iv, dict) or not iv:
        raise GeniusError(f"{where}: no `issuesValues`; fix: give a GeniusWeb domain file")
    issues: list[dict[str, Any]] = []
    taken: list[str] = []
    for name, spec in iv.items():
        # The id is the name made safe; `_name` keeps the original that profiles use.
        iid = safe_id(str(name), taken, "issue")
        taken.append(iid)
        at = f"{where}: issue {name!r}"
        spec = _dict(spec, at, "its value set", 'write {"values": [..]} or {"range": {..}}')
        if "values" in spec:
            vals = spec["values"]
            if not isinstance(vals, list) or not vals:
                raise GeniusError(f"{at}: `values` is {_kind_of(vals)}, not a non-empty list; "
                                  f"fix: list the issue's values")
            for v in vals:
                if isinstance(v, bool) or not isinstance(v, str | int | float):
                    raise GeniusError(f"{at}: value {v!r} is not a string or number; fix: "
                                      f"write each value as a string")
            issues.append({"id": iid, "name": name, "_name": name, "options": list(vals)})
        elif "range" in spec:
            issues.append({"id": iid, "name": name, "_name": name, "kind": "numeric",
                           "options": _grid(spec["range"], at)})
        else:
            raise GeniusError(f"{where}: issue {name!r} has neither `values` nor `range`")
    return issues


def _utility_fn(spec: Any, name: str, where: str) -> Any:
    at = f"{where}: issue {name!r}"
    spec = _dict(spec, at, "its issueUtilities entry",
                 'write {"discreteutils": {"valueUtilities": {..}}} or {"numberutils": {..}}')
    for key in _DISCRETE:
        if key in spec:
            body = _dict(spec[key], at, f"`{key}`", 'write {"valueUtilities": {value: number}}')
            table = body.get("valueUtilities", {})
            table = _dict(table, at, "`valueUtilities`", "map each value to a number")
            checked = {k: _number(v, at, f"valueUtilities[{k!r}]") for k, v in table.items()}
            return lambda v: checked.get(option_key(v), checked.get(v, 0.0))
    for key in _NUMBER:
        if key in spec:
            s = _dict(spec[key], at, f"`{key}`",
                      "give lowValue, lowUtility, highValue and highUtility")
            nums = {}
            for k in ("lowValue", "lowUtility", "highValue", "highUtility"):
                if k not in s:
                    raise GeniusError(f"{at}: `{key}` lacks {k!r}; fix: give lowValue, "
                                      f"lowUtility, highValue and highUtility")
                nums[k] = _number(s[k], at, f"`{key}` {k!r}")
            lv, lu = nums["lowValue"], nums["lowUtility"]
            hv, hu = nums["highValue"], nums["highUtility"]

            def num(v: Any, lv: float = lv, lu: float = lu, hv: float = hv,
                    hu: float = hu) -> float:
                x = float(v)
                if x < lv or x > hv:
                    return 0.0
                return lu if hv == lv else lu + (x - lv) / (hv - lv) * (hu - lu)

            return num
    raise GeniusError(f"{where}: issue {name!r} uses {', '.join(map(str, spec)) or 'nothing'}; "
                      f"only discrete and number value-set utilities are supported")


def read_profile(path: str | Path, issues: list[dict[str, Any]]) -> dict[str, Any]:
    data = _read(path)
    where = str(path)
    if not isinstance(data, dict) or "LinearAdditiveUtilitySpace" not in data:
        kind = next(iter(data), "?") if isinstance(data, dict) and data else type(data).__name__
        raise GeniusError(f"{where}: profile type {kind!r} is not supported; accord reads "
                          f"LinearAdditiveUtilitySpace profiles only")
    space = _dict(data["LinearAdditiveUtilitySpace"], where, "`LinearAdditiveUtilitySpace`",
                  "give issueUtilities and issueWeights")
    utils = _dict(space.get("issueUtilities", {}), where, "`issueUtilities`",
                  "map each issue to its value-set utilities")
    weights = _dict(space.get("issueWeights", {}), where, "`issueWeights`",
                    "map each issue to a number")
    values: dict[str, dict[str, float]] = {}
    w_out: dict[str, float] = {}
    id_of = {iss["_name"]: iss["id"] for iss in issues}
    for iss in issues:
        name, iid = iss["_name"], iss["id"]
        if name not in utils or name not in weights:
            raise GeniusError(f"{where}: issue {name!r} lacks issueUtilities or issueWeights")
        fn = _utility_fn(utils[name], name, where)
        values[iid] = {option_key(o): fn(o) for o in iss["options"]}
        w = _number(weights[name], where, f"issueWeights[{name!r}]")
        if w < 0:
            raise GeniusError(f"{where}: issueWeights[{name!r}] is {w}; fix: give weights "
                              f">= 0")
        w_out[iid] = w
    bid = space.get("reservationBid")
    reservation = 0.0
    if bid is not None:
        bid = _dict(bid, where, "`reservationBid`", 'write {"issuevalues": {issue: value}} '
                    "or null")
        chosen = bid.get("issuevalues") or {}
        chosen = _dict(chosen, where, "`reservationBid.issuevalues`",
                       "map each issue to one of its values")
        chosen = {id_of.get(i, i): v for i, v in chosen.items()}
        for i, v in chosen.items():
            if i not in values:
                raise GeniusError(f"{where}: reservationBid names issue {i!r}, which the domain "
                                  f"lacks; fix: use the domain's issues")
            key = option_key(v) if isinstance(v, str | int | float) else None
            if key not in values[i]:
                raise GeniusError(f"{where}: reservationBid value {v!r} for issue {i!r} is not "
                                  f"in the domain; fix: use one of "
                                  f"{', '.join(map(str, values[i]))[:200]}")
        reservation = sum(w_out[i] * values[i][option_key(v)] for i, v in chosen.items())
    return {"weights": w_out, "values": values, "reservation": reservation, "discount": None}


def import_geniusweb(domain: str | Path | None, profiles: Sequence[str | Path],
                     party_ids: Sequence[str] | None = None,
                     scenario_id: str | None = None) -> Scenario:
    """A scenario from a GeniusWeb domain (or the domain embedded in the first profile) and
    LinearAdditive profiles, one per party."""
    if not profiles:
        raise GeniusError("no profile files given; fix: pass one profile file per party")
    if domain is None:
        data = _read(profiles[0])
        first = data.get("LinearAdditiveUtilitySpace") if isinstance(data, dict) else None
        if not isinstance(first, dict) or "domain" not in first:
            raise GeniusError(f"{profiles[0]}: no embedded domain; fix: pass the domain file")
        embedded = _dict(first["domain"], str(profiles[0]), "the embedded `domain`",
                         "embed the domain object, or pass the domain file")
        issues = read_domain(embedded, str(profiles[0]))
        name = embedded.get("name") or "geniusweb"
        if not isinstance(name, str):
            raise GeniusError(f"{profiles[0]}: the embedded domain's `name` is {name!r}; fix: "
                              f"write a string")
    else:
        issues = read_domain(domain)
        name = _party_id(domain)
    profs = [read_profile(p, issues) for p in profiles]
    ids = list(party_ids) if party_ids else [_party_id(p) for p in profiles]
    if len(set(ids)) != len(ids):
        ids = [f"{i}-{k + 1}" for k, i in enumerate(ids)]
    sid = scenario_id or name
    return build_scenario(sid, f"{sid} (GeniusWeb domain)", issues, profs, ids,
                          "Imported from GeniusWeb JSON; utilities as GeniusWeb computes them.",
                          str(domain or profiles[0]))
