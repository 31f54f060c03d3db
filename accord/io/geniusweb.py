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
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from accord.io.genius import GeniusError, _party_id, build_scenario
from accord.model import Scenario, option_key

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


def _grid(rng: dict[str, Any], where: str) -> list[float | int]:
    try:
        low, high, step = (Decimal(str(rng[k])) for k in ("low", "high", "step"))
    except KeyError as exc:
        raise GeniusError(f"{where}: numeric range lacks {exc.args[0]!r}") from None
    if step <= 0 or high < low:
        raise GeniusError(f"{where}: numeric range needs step > 0 and low <= high")
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
    issues = []
    for name, spec in iv.items():
        if "values" in spec:
            issues.append({"id": name, "name": name, "options": list(spec["values"])})
        elif "range" in spec:
            issues.append({"id": name, "name": name, "kind": "numeric",
                           "options": _grid(spec["range"], f"{where}: {name}")})
        else:
            raise GeniusError(f"{where}: issue {name!r} has neither `values` nor `range`")
    return issues


def _utility_fn(spec: dict[str, Any], name: str, where: str) -> Any:
    for key in _DISCRETE:
        if key in spec:
            table = spec[key].get("valueUtilities", {})
            return lambda v: float(table.get(v, 0.0))
    for key in _NUMBER:
        if key in spec:
            s = spec[key]
            lv, lu = float(s["lowValue"]), float(s["lowUtility"])
            hv, hu = float(s["highValue"]), float(s["highUtility"])

            def num(v: Any, lv: float = lv, lu: float = lu, hv: float = hv,
                    hu: float = hu) -> float:
                x = float(v)
                if x < lv or x > hv:
                    return 0.0
                return lu if hv == lv else lu + (x - lv) / (hv - lv) * (hu - lu)

            return num
    raise GeniusError(f"{where}: issue {name!r} uses {', '.join(spec) or 'nothing'}; only "
                      f"discrete and number value-set utilities are supported")


def read_profile(path: str | Path, issues: list[dict[str, Any]]) -> dict[str, Any]:
    data = _read(path)
    where = str(path)
    if not isinstance(data, dict) or "LinearAdditiveUtilitySpace" not in data:
        kind = next(iter(data), "?") if isinstance(data, dict) and data else type(data).__name__
        raise GeniusError(f"{where}: profile type {kind!r} is not supported; accord reads "
                          f"LinearAdditiveUtilitySpace profiles only")
    space = data["LinearAdditiveUtilitySpace"]
    utils = space.get("issueUtilities", {})
    weights = space.get("issueWeights", {})
    values: dict[str, dict[str, float]] = {}
    w_out: dict[str, float] = {}
    for iss in issues:
        name = iss["id"]
        if name not in utils or name not in weights:
            raise GeniusError(f"{where}: issue {name!r} lacks issueUtilities or issueWeights")
        fn = _utility_fn(utils[name], name, where)
        values[name] = {option_key(o): fn(o) for o in iss["options"]}
        w_out[name] = float(weights[name])
    bid = space.get("reservationBid")
    reservation = 0.0
    if isinstance(bid, dict) and bid.get("issuevalues"):
        chosen = bid["issuevalues"]
        reservation = sum(w_out[i["id"]] * values[i["id"]][option_key(chosen[i["id"]])]
                          for i in issues if i["id"] in chosen)
    return {"weights": w_out, "values": values, "reservation": reservation, "discount": None}


def import_geniusweb(domain: str | Path | None, profiles: Sequence[str | Path],
                     party_ids: Sequence[str] | None = None,
                     scenario_id: str | None = None) -> Scenario:
    """A scenario from a GeniusWeb domain (or the domain embedded in the first profile) and
    LinearAdditive profiles, one per party."""
    if not profiles:
        raise GeniusError("no profile files given; fix: pass one profile file per party")
    if domain is None:
        first = _read(profiles[0]).get("LinearAdditiveUtilitySpace", {})
        if "domain" not in first:
            raise GeniusError(f"{profiles[0]}: no embedded domain; fix: pass the domain file")
        issues = read_domain(first["domain"], str(profiles[0]))
        name = first["domain"].get("name", "geniusweb")
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
