"""Structural and semantic validation of a scenario, all problems at once.

The pipeline: plain data (from YAML, JSON or Python) -> option keys made canonical -> pydantic
(types and shapes) -> semantic checks (ids, ranges, completeness) -> canonical `Scenario`
(weights normalised to sum 1 over every issue). Each problem carries its field path; the io
layer adds the file and line.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from accord.model.checks import extra_problems, root_causes
from accord.model.problems import Path, Problem, ScenarioError, listing, one_of
from accord.model.scenario import Constraint, Scenario, option_key, red_line_id

Locate = Callable[[Path], int | None]

_TOL = 1e-9


def parse_scenario(
    data: Any, *, file: str | None = None, locate: Locate | None = None,
    stored: bool = False,
) -> tuple[Scenario, list[Problem]]:
    """Validate plain data into a canonical Scenario; returns it with its warnings.

    Raises ScenarioError listing every error, each located when `locate` is given. `stored`:
    the text was accepted before the id rule existed (a web version), so an id breaking the
    rule is a warning with its fix, not a refusal; new text is always held to the rule.
    """

    def place(problems: Iterable[Problem]) -> list[Problem]:
        return [p.located(file, locate(p.path) if locate else None) for p in problems]

    if not isinstance(data, dict):
        kinds = {type(None): "nothing (the file is empty)", list: "a list",
                 str: "a single text value", bool: "a single true/false value",
                 int: "a single number", float: "a single number"}
        kind = kinds.get(type(data), "a single value")
        raise ScenarioError(
            place(
                [
                    Problem(
                        f"the file holds {kind}, not a mapping of scenario keys",
                        "start the file with `scenario:`, `title:`, `parties:` and `issues:` keys",
                    )
                ]
            )
        )
    data = _canonical_option_keys(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(place(_from_pydantic(exc))) from None
    problems = root_causes(_semantic(scenario) + extra_problems(scenario, stored=stored))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ScenarioError(place(problems))
    canonical = _normalise(scenario)
    warnings = place([p for p in problems if p.severity == "warning"] + _warnings(canonical))
    return canonical, warnings


# --- structural -------------------------------------------------------------------------------

_HINTS = {
    "missing": "add the field",
    "extra_forbidden": "remove it or check its spelling against `accord schema`",
    "string_type": "write it as text",
    "float_parsing": "write a number",
    "float_type": "write a number",
    "finite_number": "write a finite number",
    "int_type": "write a whole number",
    "list_type": "write a list, e.g. [a, b]",
    "dict_type": "write a mapping, e.g. {key: value}",
    "model_type": "write a mapping of its fields",
    "literal_error": "use one of the allowed words",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "date_type": "write the date as YYYY-MM-DD",
}


def _from_pydantic(exc: ValidationError) -> list[Problem]:
    out: list[Problem] = []
    seen: set[tuple[Path, str]] = set()
    for err in exc.errors():
        loc: Path = tuple(p for p in err["loc"] if not _is_union_tag(p))
        # A union (str | int | float) reports one error per member; say it once.
        tagged = any(_is_union_tag(p) for p in err["loc"])
        key = (loc, "union" if tagged else err["type"])
        if key in seen:
            continue
        seen.add(key)
        msg = err["msg"][0].lower() + err["msg"][1:]
        if err["type"] == "missing":
            msg = "is required but missing"
        elif err["type"] == "extra_forbidden":
            msg = "is not a known field"
        out.append(Problem(msg, _HINTS.get(err["type"], "see `accord schema` for the format"), loc))
    return out


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part in {"str", "int", "float", "bool", "function-after[...]"}


def _canonical_option_keys(data: dict[str, Any]) -> dict[str, Any]:
    """Options in `values` may be written as numbers; key them the way options are matched."""
    prefs = data.get("preferences")
    if not isinstance(prefs, dict):
        return data
    new_prefs: dict[Any, Any] = {}
    for party, pref in prefs.items():
        if isinstance(pref, dict) and isinstance(pref.get("values"), dict):
            values = {
                issue: (
                    {option_key(o): v for o, v in table.items()}
                    if isinstance(table, dict)
                    else table
                )
                for issue, table in pref["values"].items()
            }
            pref = {**pref, "values": values}
        new_prefs[party] = pref
    return {**data, "preferences": new_prefs}


# --- semantic --------------------------------------------------------------------------------


def _semantic(s: Scenario) -> list[Problem]:
    out: list[Problem] = []
    add = out.append

    def dupes(kind: str, ids: list[str]) -> None:
        for ident, n in Counter(ids).items():
            if n > 1:
                idx = [i for i, x in enumerate(ids) if x == ident][1]
                add(Problem(f"duplicate id {ident!r} ({n} times)", "give each one a unique id",
                            (kind, idx, "id")))

    dupes("parties", s.party_ids)
    dupes("issues", s.issue_ids)
    dupes("plans", [p.id for p in s.plans])
    dupes("sources", [x.id for x in s.sources])
    dupes("statements", [x.id for x in s.statements])

    parties = set(s.party_ids)
    sources = {x.id for x in s.sources}
    plans = {p.id for p in s.plans}
    options: dict[str, list[str]] = {}
    if not s.issues:
        add(Problem("no issues", "list at least one issue with its options", ("issues",)))
    if not s.parties:
        add(Problem("no parties", "list the parties with their ids and roles", ("parties",)))
    for ii, issue in enumerate(s.issues):
        keys = [option_key(o) for o in issue.options]
        options[issue.id] = keys
        if not keys:
            add(Problem("has no options", "list at least two options", ("issues", ii, "options")))
        for key, n in Counter(keys).items():
            if n > 1:
                add(Problem(f"option {key!r} is listed {n} times", "list each option once",
                            ("issues", ii, "options")))

    def known_sources(ids: list[str], path: Path) -> None:
        for k, sid in enumerate(ids):
            if sid not in sources:
                add(Problem(f"unknown source {sid!r}", "add it under `sources:` or fix the id",
                            (*path, k)))

    def known_option(issue: str, option: Any, path: Path) -> None:
        if issue in options and option_key(option) not in options[issue]:
            add(Problem(
                f"option {option_key(option)!r} is not an option of issue {issue!r}",
                one_of(options[issue]), path))

    def known_issue(issue: str | None, path: Path) -> bool:
        if issue is None or issue in options:
            return True
        add(Problem(f"unknown issue {issue!r}", one_of(options), path))
        return False

    for pi, party in enumerate(s.parties):
        path: Path = ("parties", pi)
        if party.reservation is not None and not 0 <= party.reservation <= 1:
            add(Problem(f"reservation {party.reservation} is outside [0, 1]",
                        "give the walk-away utility on the 0-1 scale", (*path, "reservation")))
        if party.discount is not None and not 0 < party.discount <= 1:
            add(Problem(f"discount {party.discount} is outside (0, 1]",
                        "give the factor a package loses per round, e.g. 0.95",
                        (*path, "discount")))
        if party.capability is not None and not 0 <= party.capability <= 1:
            add(Problem(f"capability {party.capability} is outside [0, 1]",
                        "give relative power on the 0-1 scale", (*path, "capability")))
        known_sources(party.basis, (*path, "basis"))

    for pid, pref in s.preferences.items():
        base: Path = ("preferences", pid)
        if pid not in parties:
            add(Problem(f"preferences for unknown party {pid!r}",
                        one_of(parties), base))
        for iid, w in pref.weights.items():
            if known_issue(iid, (*base, "weights", iid)) and w < 0:
                add(Problem(f"weight {w} is negative", "weights are relative saliences >= 0",
                            (*base, "weights", iid)))
        if pref.weights and sum(max(w, 0.0) for w in pref.weights.values()) <= 0:
            add(Problem("all weights are zero", "give at least one issue a positive weight",
                        (*base, "weights")))
        if not pref.weights:
            add(Problem("no weights", "give each issue the party cares about a weight",
                        (*base, "weights")))
        for iid, table in pref.values.items():
            if not known_issue(iid, (*base, "values", iid)):
                continue
            for opt, v in table.items():
                known_option(iid, opt, (*base, "values", iid, opt))
                if not 0 <= v <= 1:
                    add(Problem(f"value {v} is outside [0, 1]",
                                "score options from 0 (worst) to 1 (best) for this party",
                                (*base, "values", iid, opt)))
        for iid, w in pref.weights.items():
            if iid not in options or w <= 0:
                continue
            given = pref.values.get(iid)
            if given is None:
                add(Problem(f"issue {iid!r} has a weight but no values",
                            f"add values for {', '.join(options[iid])}", (*base, "values")))
                continue
            missing = list(dict.fromkeys(o for o in options[iid] if o not in given))
            if missing:
                add(Problem(f"no value for option(s) {', '.join(map(repr, missing))}",
                            "give every option of a weighted issue a value in [0, 1]",
                            (*base, "values", iid)))
        for ri, rl in enumerate(pref.red_lines):
            rpath: Path = (*base, "red_lines", ri)
            if known_issue(rl.issue, (*rpath, "issue")):
                for fi, forbidden in enumerate(rl.forbid):
                    known_option(rl.issue, forbidden, (*rpath, "forbid", fi))
                if rl.issue in options and {option_key(o) for o in rl.forbid} >= set(
                    options[rl.issue]
                ):
                    add(Problem(f"red line forbids every option of {rl.issue!r}",
                                "leave at least one option the party can accept",
                                (*rpath, "forbid")))
            known_sources(rl.basis, (*rpath, "basis"))
        known_sources(pref.basis, (*base, "basis"))
        for iid in pref.notes:
            known_issue(iid, (*base, "notes", iid))
        u = pref.uncertainty
        if u is not None:
            upath: Path = (*base, "uncertainty")
            if u.weights is not None and u.weights.dirichlet <= 0:
                add(Problem("dirichlet concentration must be positive",
                            "use e.g. 50 (larger means surer)", (*upath, "weights", "dirichlet")))
            if u.values is not None:
                for key, sd in [("sd", u.values.sd), *u.values.issues.items()]:
                    if not 0 <= sd < 0.5:
                        add(Problem(f"spread {sd} is outside [0, 0.5)",
                                    "use a standard deviation such as 0.1",
                                    (*upath, "values", key)))
                for iid in u.values.issues:
                    known_issue(iid, (*upath, "values", "issues", iid))
            if u.reservation is not None:
                lo, hi = u.reservation.low, u.reservation.high
                if not 0 <= lo <= hi <= 1:
                    add(Problem(f"interval [{lo}, {hi}] is not within [0, 1] with low <= high",
                                "write low <= high, both in [0, 1]", (*upath, "reservation")))

    for pi, party in enumerate(s.parties):
        if party.id in s.preferences and party.reservation is None:
            add(Problem("a party with preferences needs a reservation (walk-away) utility",
                        "add `reservation:` in [0, 1]; 0 means any deal beats walking away",
                        ("parties", pi, "reservation"), severity="warning"))

    for pi, plan in enumerate(s.plans):
        ppath: Path = ("plans", pi)
        for iid, chosen in plan.choices.items():
            if known_issue(iid, (*ppath, "choices", iid)):
                known_option(iid, chosen, (*ppath, "choices", iid))
        unset = [i for i in options if i not in plan.choices and i not in plan.open]
        if unset:
            add(Problem(f"leaves issue(s) {', '.join(unset)} unset",
                        "choose an option for every issue (the status quo where it is silent)",
                        (*ppath, "choices")))
        if plan.based_on is not None and plan.based_on not in plans:
            add(Problem(f"unknown plan {plan.based_on!r}", "name an earlier plan's id",
                        (*ppath, "based_on")))
        for vi, prov in enumerate(plan.provisions):
            known_issue(prov.issue, (*ppath, "provisions", vi, "issue"))
            known_sources(prov.sources, (*ppath, "provisions", vi, "sources"))

    for si, st in enumerate(s.statements):
        known_sources(st.sources, ("statements", si, "sources"))
        for who in st.by_parties:
            if who not in parties:
                add(Problem(f"unknown party {who!r}",
                            one_of(parties) + " (a list for a joint statement)",
                            ("statements", si, "by")))
        if st.about is not None and st.about not in plans:
            add(Problem(f"unknown plan {st.about!r}", "name a plan id or drop `about`",
                        ("statements", si, "about")))
    out.extend(_linked_constructs(s, options, sources))
    out.extend(_stances(s))
    for si, src in enumerate(s.sources):
        r = src.reliability
        if r is not None and not (len(r) == 2 and r[0] in "ABCDEF" and r[1] in "123456"):
            add(Problem(f"reliability {r!r} is not an Admiralty grade",
                        "write a letter A-F then a digit 1-6, e.g. 'B2'",
                        ("sources", si, "reliability")))
    return out


CONSTRAINT_CHECK_SECONDS = 2.0
"""How long validation searches for a package that the constraints leave."""


def _linked_constructs(s: Scenario, options: dict[str, list[str]],
                       sources: set[str]) -> list[Problem]:
    """Constraints, conditional red lines, consent and open issues (additive checks)."""
    out: list[Problem] = []
    add = out.append

    def clause(spec: dict[str, list[Any]], path: Path, what: str) -> bool:
        ok = True
        for iid, opts in spec.items():
            if iid not in options:
                add(Problem(f"unknown issue {iid!r} in `{what}`",
                            one_of(options), (*path, iid)))
                ok = False
                continue
            if not opts:
                add(Problem(f"lists no option of {iid!r}", "list at least one option",
                            (*path, iid)))
                ok = False
            for k, o in enumerate(opts):
                if option_key(o) not in options[iid]:
                    add(Problem(f"option {option_key(o)!r} is not an option of issue {iid!r}",
                                one_of(options[iid]), (*path, iid, k)))
                    ok = False
        return ok

    seen: dict[str, Path] = {}

    def unique(ident: str, path: Path) -> None:
        if ident in seen:
            add(Problem(f"duplicate id {ident!r} (constraints and red lines share one "
                        "namespace)", "give each constraint and red line a unique id", path))
        else:
            seen[ident] = path

    usable = True
    for ci, con in enumerate(s.constraints):
        path: Path = ("constraints", ci)
        unique(con.id, (*path, "id"))
        if not con.forbid:
            add(Problem("forbids nothing", "list issue: [options] pairs under `forbid`",
                        (*path, "forbid")))
            usable = False
        usable &= clause(con.forbid, (*path, "forbid"), "forbid")
        for k, sid in enumerate(con.sources):
            if sid not in sources:
                add(Problem(f"unknown source {sid!r}", "add it under `sources:` or fix the id",
                            (*path, "sources", k)))
    for pid, pref in s.preferences.items():
        for k, rl in enumerate(pref.red_lines):
            path = ("preferences", pid, "red_lines", k)
            unique(red_line_id(pid, k, rl), (*path, "id"))
            if not 0 < rl.probability <= 1:
                add(Problem(f"probability {rl.probability} is outside (0, 1]",
                            "give the belief that the red line is real, e.g. 0.6",
                            (*path, "probability")))
            if rl.issue in rl.unless:
                add(Problem(f"`unless` names the red line's own issue {rl.issue!r}",
                            "narrow `forbid` instead, or condition on other issues",
                            (*path, "unless", rl.issue)))
            clause(rl.unless, (*path, "unless"), "unless")
    for pi, party in enumerate(s.parties):
        if isinstance(party.consent, list):
            for k, iid in enumerate(party.consent):
                if iid not in options:
                    add(Problem(f"unknown issue {iid!r} in `consent`",
                                "use `all`, `none` or issue ids: " + listing(options),
                                ("parties", pi, "consent", k)))
    for pi, plan in enumerate(s.plans):
        for k, iid in enumerate(plan.open):
            if iid not in options:
                add(Problem(f"unknown issue {iid!r}", one_of(options),
                            ("plans", pi, "open", k)))
            elif iid in plan.choices:
                add(Problem(f"issue {iid!r} is both open and chosen",
                            "drop it from `open` or from `choices`", ("plans", pi, "open", k)))
    if usable and s.constraints and all(o for o in options.values()):
        found = _some_valid_package(options, s.constraints, CONSTRAINT_CHECK_SECONDS)
        if found is False:
            add(Problem("together the constraints forbid every package",
                        "drop or narrow a constraint", ("constraints",)))
        elif found is None:
            add(Problem(f"could not confirm within {CONSTRAINT_CHECK_SECONDS:g} s that the "
                        "constraints leave a valid package", "simplify the constraints",
                        ("constraints",), severity="warning"))
    return out


def _some_valid_package(options: dict[str, list[str]], constraints: list[Constraint],
                        seconds: float) -> bool | None:
    """Backtracking search for a package no constraint forbids: True, False, or None when the
    time runs out. Issues no constraint names are free, so only the named ones are searched,
    most constrained first."""
    clauses = [{i: {option_key(o) for o in opts} for i, opts in c.forbid.items()}
               for c in constraints]
    named = sorted({i for c in clauses for i in c},
                   key=lambda i: -sum(i in c for c in clauses))
    deadline = time.perf_counter() + seconds
    chosen: dict[str, str] = {}
    timed_out = False

    def matched(c: dict[str, set[str]]) -> bool:
        return all(i in chosen and chosen[i] in opts for i, opts in c.items())

    def search(k: int) -> bool:
        nonlocal timed_out
        if k == len(named):
            return True
        if time.perf_counter() > deadline:
            timed_out = True
            return False
        iid = named[k]
        relevant = [c for c in clauses if iid in c]
        for o in options[iid]:
            chosen[iid] = o
            if not any(matched(c) for c in relevant) and search(k + 1):
                return True
            del chosen[iid]
            if timed_out:
                return False
        return False

    if search(0):
        return True
    return None if timed_out else False


def _stances(s: Scenario) -> list[Problem]:
    """Statements with a stance on a plan (issue 15), the evidence `accord calibrate` counts."""
    out: list[Problem] = []
    scored = set(s.preferences) & set(s.party_ids)
    issues = set(s.issue_ids)
    by_id = {st.id: (k, st) for k, st in enumerate(s.statements)}
    for si, st in enumerate(s.statements):
        path: Path = ("statements", si)
        evidence = st.stance is not None or bool(st.objects_to)
        if st.stance is None and st.confidence is not None:
            out.append(Problem("a confidence without a stance", "add `stance: accepts`, "
                               "`rejects` or `basis`, or drop `confidence`",
                               (*path, "confidence")))
        if st.confidence is not None and not 0.5 < st.confidence <= 1:
            out.append(Problem(f"confidence {st.confidence} is outside (0.5, 1]",
                               "give how clearly the statement shows the stance, e.g. 0.8",
                               (*path, "confidence")))
        if evidence and st.about is None:
            field = "stance" if st.stance is not None else "objects_to"
            out.append(Problem(f"`{field}` needs the plan it is about",
                               "add `about:` with a plan id", (*path, "about")))
        if evidence and not any(p in scored for p in st.by_parties):
            out.append(Problem("a stance needs a party with preferences",
                               f"name one of: {', '.join(sorted(scored)) or 'none'}",
                               (*path, "by")))
        for k, iid in enumerate(st.objects_to):
            if iid not in issues:
                out.append(Problem(f"unknown issue {iid!r}", one_of(issues),
                                   (*path, "objects_to", k)))
        if st.supersedes is None:
            continue
        hit = by_id.get(st.supersedes)
        fix = "name an earlier statement of the same party about the same plan"
        if hit is None or hit[1].id == st.id:
            what = "itself" if hit is not None else f"unknown statement {st.supersedes!r}"
            out.append(Problem(f"supersedes {what}", fix, (*path, "supersedes")))
            continue
        k, old = hit
        later = (old.date <= st.date) if old.date is not None and st.date is not None \
            else k < si
        if set(old.by_parties) != set(st.by_parties) or old.about != st.about or not later:
            out.append(Problem(f"{st.supersedes!r} is not an earlier statement of "
                               f"{st.by_label} about {st.about!r}", fix, (*path, "supersedes")))
    return out


def _normalise(s: Scenario) -> Scenario:
    """Weights over every issue summing to 1; values filled with 0 where the weight is 0."""
    prefs = {}
    for pid, pref in s.preferences.items():
        top = max(pref.weights.values())  # scale first: huge weights must not overflow the sum
        total = sum(w / top for w in pref.weights.values())
        weights = {i.id: pref.weights.get(i.id, 0.0) / top / total for i in s.issues}
        values = {}
        for issue in s.issues:
            table = pref.values.get(issue.id, {})
            values[issue.id] = {option_key(o): float(table.get(option_key(o), 0.0))
                                for o in issue.options}
        prefs[pid] = pref.model_copy(update={"weights": weights, "values": values})
    return s.model_copy(update={"preferences": prefs})


def _warnings(s: Scenario) -> list[Problem]:
    out: list[Problem] = []
    index = {p.id: k for k, p in enumerate(s.parties)}
    for pid, pref in s.preferences.items():
        party = s.party(pid)
        best = 0.0
        for issue in s.issues:
            forbidden = {option_key(o) for rl in pref.red_lines if rl.issue == issue.id
                         for o in rl.forbid}
            allowed = [v for o, v in pref.values[issue.id].items() if o not in forbidden]
            best += pref.weights[issue.id] * max(allowed, default=0.0)
        if party.reservation is not None and best + _TOL < party.reservation:
            out.append(Problem(
                f"party {pid!r} can reach at most {best:.3f} without crossing its red lines, "
                f"below its reservation {party.reservation}",
                "lower the reservation or relax a red line: as written it accepts nothing",
                ("parties", index[pid], "reservation"), severity="warning"))
        if party.role == "mediator" and party.consent is None:
            out.append(Problem(
                f"mediator {pid!r} has preferences; it is scored and shown but, with the "
                "mediator's default consent `none`, never blocks agreement (before consent "
                "existed it blocked like a party)",
                "give it `consent: all` (or a list of issues) if its verdict should count",
                ("preferences", pid), severity="warning"))
    for pi, plan in enumerate(s.plans):
        chosen = {i: option_key(o) for i, o in plan.choices.items()}
        for con in s.constraints:
            if all(chosen.get(i) in {option_key(o) for o in opts}
                   for i, opts in con.forbid.items()):
                out.append(Problem(
                    f"plan {plan.id!r} violates constraint {con.id!r}: incoherent as written",
                    "it is still scored and flagged; check the text, or the constraint",
                    ("plans", pi, "choices"), severity="warning"))
    weighted = {i for pref in s.preferences.values() for i, w in pref.weights.items() if w > 0}
    for ii, issue in enumerate(s.issues):
        if s.preferences and issue.id not in weighted:
            out.append(Problem(f"no party gives issue {issue.id!r} any weight",
                               "weight it for someone, or drop it", ("issues", ii),
                               severity="warning"))
        if len(issue.options) == 1:
            out.append(Problem("has a single option, so there is nothing to negotiate",
                               "add the alternatives under discussion", ("issues", ii, "options"),
                               severity="warning"))
    return out


def validate_data(data: Any, **kwargs: Any) -> list[Problem]:
    """Every problem (errors and warnings) in plain data, without raising."""
    try:
        _, warnings = parse_scenario(data, **kwargs)
    except ScenarioError as exc:
        return [*exc.problems, *exc.warnings]
    return warnings
