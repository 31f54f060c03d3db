"""Checks added to validation after the outside review (issue 12), kept apart from the core
rules in `validate` so each reads on its own: the id syntax, `based_on` cycles, values given
for an issue the party does not weight, and the two walk-aways (a stated `reservation` and an
`uncertainty.reservation` interval), where the stated value is the truth.
"""

from __future__ import annotations

import re

from accord.model.ids import id_problems
from accord.model.problems import Problem, format_path
from accord.model.scenario import Scenario


def extra_problems(s: Scenario) -> list[Problem]:
    return [*id_problems(s), *_based_on_cycles(s), *_values_without_weight(s),
            *_two_walkaways(s)]


def _based_on_cycles(s: Scenario) -> list[Problem]:
    """A plan history must end: `a based_on b based_on a` is reported once, at its first plan."""
    parent = {p.id: p.based_on for p in s.plans}
    index = {p.id: k for k, p in enumerate(s.plans)}
    reported: set[str] = set()
    out = []
    for plan in s.plans:
        seen = [plan.id]
        cur = parent.get(plan.id)
        while cur is not None and cur in parent and cur not in seen:
            seen.append(cur)
            cur = parent[cur]
        if cur is not None and cur in seen:
            cycle = seen[seen.index(cur):]
            if reported.isdisjoint(cycle):
                reported.update(cycle)
                first = min(cycle, key=index.__getitem__)
                ring = cycle[cycle.index(first):] + cycle[:cycle.index(first)] + [first]
                out.append(Problem(f"based_on forms a cycle: {' -> '.join(ring)}",
                                   "a plan can only be based on an earlier one; drop one "
                                   "`based_on`", ("plans", index[first], "based_on")))
    return out


def _values_without_weight(s: Scenario) -> list[Problem]:
    out = []
    issues = set(s.issue_ids)
    for pid, pref in s.preferences.items():
        for iid in pref.values:
            if iid in issues and iid not in pref.weights:
                out.append(Problem(
                    f"issue {iid!r} has values but no weight, so it counts for nothing",
                    f"add `{iid}: <weight>` under weights (or `{iid}: 0` to say it is meant)",
                    ("preferences", pid, "values", iid), severity="warning"))
    return out


def _two_walkaways(s: Scenario) -> list[Problem]:
    """The stated reservation is the walk-away every command uses; an uncertainty interval
    describes doubt around it. A point interval (low = high) that differs from it is a second,
    contradicting walk-away (error); an interval that leaves it out is suspicious (warning)."""
    out = []
    index = {p.id: k for k, p in enumerate(s.parties)}
    for pid, pref in s.preferences.items():
        u = pref.uncertainty
        if u is None or u.reservation is None or pid not in index:
            continue
        stated = s.parties[index[pid]].reservation
        lo, hi = u.reservation.low, u.reservation.high
        if stated is None:
            continue
        path = ("preferences", pid, "uncertainty", "reservation")
        if lo == hi and abs(lo - stated) > 1e-12:
            out.append(Problem(
                f"point interval [{lo}, {hi}] contradicts the stated reservation {stated} of "
                f"party {pid!r}", f"set the party's `reservation: {lo}`, or drop this interval",
                path))
        elif not lo - 1e-12 <= stated <= hi + 1e-12:
            out.append(Problem(
                f"interval [{lo}, {hi}] excludes the stated reservation {stated} of party "
                f"{pid!r}; the stated value is the one every command uses",
                "widen the interval to include it, or change the reservation", path,
                severity="warning"))
    return out


_UNKNOWN_OPTION = re.compile(r"option '(.*)' is not an option of issue '(.*)'")


def root_causes(problems: list[Problem]) -> list[Problem]:
    """One line per root cause: an option missing from its issue's list is reported once, at
    its first use, with every other place that uses it, instead of once per place."""
    first: dict[tuple[str, str], int] = {}
    places: dict[tuple[str, str], list[str]] = {}
    out: list[Problem] = []
    for p in problems:
        m = _UNKNOWN_OPTION.fullmatch(p.message) if p.severity == "error" else None
        if m is None:
            out.append(p)
            continue
        key = (m[1], m[2])
        places.setdefault(key, []).append(format_path(p.path))
        if key not in first:
            first[key] = len(out)
            out.append(p)
    for key, k in first.items():
        used = places[key]
        if len(used) > 1:
            p = out[k]
            out[k] = Problem(
                f"{p.message}, yet {len(used)} places use it ({', '.join(used[:6])}"
                f"{', ...' if len(used) > 6 else ''})",
                f"add {key[0]!r} to the options of issue {key[1]!r}, or {p.hint}",
                p.path, p.severity, p.file, p.line)
    return out
