"""Scoring a plan for every party: utility, walk-away test, red lines, concessions, improvement.

A party accepts a package when it crosses none of its red lines and its additive utility is at
least its reservation (BATNA; Fisher and Ury 1981). Concessions are measured per issue as the
weighted value a party gives up against its own best option (Raiffa 1982). Efficiency is
checked exactly among packages that cross no party's red line, except that the plan's own
choices stay allowed: a plan that already breaks a red line is compared with packages that
break no other (otherwise, where red lines conflict as in ukraine-2025, no package would be
eligible and every verdict would be vacuous). Where the plan is not efficient, the
max-min-gain improvement (`accord.solve`, method "maxmin-gain") says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.model.compiled import CompiledModel
from accord.model.scenario import OptionValue, Plan, Scenario
from accord.solve import EPS, solve


@dataclass(frozen=True)
class RedLineCrossing:
    issue: str
    option: OptionValue
    id: str = ""
    named: bool = False
    """The id was written in the file (default ids are not repeated in the text)."""

    def __str__(self) -> str:
        name = f" {self.id}" if self.named else ""
        return f"crosses its red line{name} on {self.issue} ({self.option})"


@dataclass(frozen=True)
class Range:
    """A party's utility over a plan's valid completions (open issues)."""

    low: float
    high: float


@dataclass(frozen=True)
class PartyVerdict:
    id: str
    name: str
    utility: float
    reservation: float
    accepts: bool
    red_lines: list[RedLineCrossing]
    ideal: float
    consent: str | list[str] = "all"
    blocks: bool | str = False
    """Whether its verdict blocks agreement under its consent ("all"/"some"/"none" of the
    completions when the plan leaves issues open)."""
    lifted: list[str] = field(default_factory=list)
    """Its red lines that an `unless` lifts here, as "<id> (<issue> <option>, ...)"."""
    range: Range | None = None
    verdict: str | None = None
    """For open plans: accepts in "all", "some" or "none" of the valid completions."""
    deciding: dict[str, dict[str, OptionValue]] = field(default_factory=dict)
    """For open plans: a completion where it accepts and one where it does not."""
    why: str = ""
    """For open plans: what decides the rejecting completion (red line ids or walk-away)."""

    @property
    def margin(self) -> float:
        return self.utility - self.reservation

    @property
    def reasons(self) -> list[str]:
        """Every reason for the verdict, in words."""
        if self.range is not None:
            return [f"utility {self.range.low:.3f} to {self.range.high:.3f} over the valid "
                    f"completions; accepts in {self.verdict} of them"] + \
                [f"{k}: {_fmt(c)}" for k, c in self.deciding.items()] + \
                ([f"decided by: {self.why}"] if self.why else [])
        out = [str(r) for r in self.red_lines] + [f"lifted: {t}" for t in self.lifted]
        if self.utility < self.reservation - 1e-12:
            out.append(
                f"utility {self.utility:.3f} is below its walk-away {self.reservation:.3f}"
            )
        if not self.red_lines and self.utility >= self.reservation - 1e-12:
            out.append(
                f"utility {self.utility:.3f} beats its walk-away {self.reservation:.3f} "
                f"by {self.margin:.3f} and crosses no red line"
            )
        return out


def _fmt(choices: dict[str, OptionValue]) -> str:
    return ", ".join(f"{i} {o}" for i, o in choices.items())


@dataclass(frozen=True)
class Improvement:
    choices: dict[str, OptionValue]
    utilities: dict[str, float]
    gains: dict[str, float]
    changes: dict[str, tuple[OptionValue, OptionValue]]
    engine: str
    optimal: bool


@dataclass(frozen=True)
class PlanScore:
    plan_id: str
    title: str
    choices: dict[str, OptionValue]
    parties: list[PartyVerdict]
    concessions: dict[str, dict[str, float]]
    """party -> issue -> weighted value given up against the party's best option."""
    pareto_efficient: bool | None
    """None when not checked (asked not to, or the search hit a limit before a proof)."""
    improvement: Improvement | None
    all_accept: bool
    extras: dict[str, Any] = field(default_factory=dict)
    agreement: bool | str = True
    """No party blocks (under consent); "all"/"some"/"none" of the completions if open."""
    violates: list[str] = field(default_factory=list)
    """Constraints the plan violates as written: it is incoherent, but still scored."""
    open: list[str] = field(default_factory=list)
    completions: int | None = None
    """Valid completions of the open issues."""

    @property
    def coherent(self) -> bool:
        return not self.violates

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.plan_id,
            "title": self.title,
            "choices": self.choices,
            "all_accept": self.all_accept,
            "agreement": self.agreement,
            "coherent": self.coherent,
            "violates": self.violates,
            "open": self.open,
            "completions": self.completions,
            "parties": [
                {
                    "id": v.id,
                    "name": v.name,
                    "utility": round(v.utility, 6) if v.range is None else
                    {"low": round(v.range.low, 6), "high": round(v.range.high, 6)},
                    "reservation": v.reservation,
                    "margin": round(v.margin, 6),
                    "ideal": round(v.ideal, 6),
                    "accepts": v.accepts if v.verdict is None else v.verdict,
                    "consent": v.consent,
                    "blocks": v.blocks,
                    "red_lines_crossed": [
                        {"issue": r.issue, "option": r.option, "id": r.id} for r in v.red_lines
                    ],
                    "lifted": v.lifted,
                    "deciding": v.deciding,
                    "reasons": v.reasons,
                }
                for v in self.parties
            ],
            "concessions": {
                p: {i: round(c, 6) for i, c in by_issue.items()}
                for p, by_issue in self.concessions.items()
            },
            "pareto_efficient": self.pareto_efficient,
            "improvement": None
            if self.improvement is None
            else {
                "choices": self.improvement.choices,
                "utilities": {k: round(u, 6) for k, u in self.improvement.utilities.items()},
                "gains": {k: round(g, 6) for k, g in self.improvement.gains.items()},
                "changes": {
                    i: {"from": a, "to": b} for i, (a, b) in self.improvement.changes.items()
                },
                "engine": self.improvement.engine,
                "optimal": self.improvement.optimal,
            },
            **self.extras,
        }


COMPLETION_LIMIT = 1_000_000
"""Open issues are scored by enumerating up to this many completions."""

DETERMINISTIC = ("every stated red line is treated as binding here, whatever its probability "
                 "(the Monte Carlo commands sample them)")


def _named_ids(scenario: Scenario) -> set[str]:
    return {rl.id for pref in scenario.preferences.values() for rl in pref.red_lines if rl.id}


def _crossings(model: CompiledModel, x: np.ndarray, named: set[str]
               ) -> tuple[dict[str, list[RedLineCrossing]], dict[str, list[str]]]:
    """Per party, the red lines the package crosses and those an unless lifts."""
    rl = model.red_lines
    row = np.asarray(x, dtype=np.intp)[None]
    crossed = rl.crossed(row)[0]
    lifted = rl.lifted(row)[0] & rl.forbid[np.arange(len(rl)), row[0, rl.issue]]
    out: dict[str, list[RedLineCrossing]] = {p: [] for p in model.party_ids}
    lift: dict[str, list[str]] = {p: [] for p in model.party_ids}
    for r in np.flatnonzero(crossed):
        if rl.owner[r] in out:
            i = int(rl.issue[r])
            out[rl.owner[r]].append(RedLineCrossing(model.issue_ids[i], model.raw_options[i][x[i]],
                                                    rl.ids[r], rl.ids[r] in named))
    for r in np.flatnonzero(lifted):
        if rl.owner[r] in lift:
            why = ", ".join(f"{model.issue_ids[t]} {model.raw_options[t][x[t]]}"
                            for t in np.flatnonzero(rl.unless_issues[r]))
            lift[rl.owner[r]].append(f"{rl.ids[r]} ({why})")
    return out, lift


def _consent_of(scenario: Scenario, pid: str) -> str | list[str]:
    return scenario.party(pid).consent_scope


def score_package(
    scenario: Scenario,
    model: CompiledModel,
    choices: dict[str, OptionValue],
    *,
    plan_id: str = "package",
    title: str = "",
    find_improvement: bool = True,
    open_issues: list[str] | None = None,
) -> PlanScore:
    """Score one package (a plan's choices) for every scored party; issues in `open_issues`
    are left open and scored as ranges over their valid completions."""
    if open_issues:
        return _score_open(scenario, model, choices, open_issues, plan_id, title)
    x = model.encode(choices)
    u = model.utilities(x)
    ideal = model.ideal(respect_red_lines=False)
    blocks = model.blocks(x)[0]
    named = _named_ids(scenario)
    crossings, lifted = _crossings(model, x, named)
    verdicts = []
    for p, pid in enumerate(model.party_ids):
        lines = crossings[pid]
        accepts = not lines and u[p] >= model.reservation[p] - 1e-12
        verdicts.append(
            PartyVerdict(pid, scenario.party(pid).name, float(u[p]), float(model.reservation[p]),
                         bool(accepts), lines, float(ideal[p]), _consent_of(scenario, pid),
                         bool(blocks[p]), lifted[pid])
        )
    # Weighted value lost on each issue against the party's own best option there.
    best = np.where(model.padding[None], -np.inf, model.table).max(axis=2)  # (P, I)
    chosen = model.table[:, np.arange(model.n_issues), x]  # (P, I)
    lost = best - chosen
    concessions = {
        pid: {iid: float(lost[p, i]) for i, iid in enumerate(model.issue_ids)}
        for p, pid in enumerate(model.party_ids)
    }
    violates = model.violated_constraints(x)
    improvement: Improvement | None = None
    efficient: bool | None = None
    bargaining = model.bargaining_set
    if find_improvement and bargaining:
        # Candidates are valid and cross no binding red line that the plan does not already
        # cross (the plan's own crossings are exempt, by identity; a red line it lifts stays
        # lifted or uncrossed), so a coherent plan is always a candidate.
        bidx = model.party_index(list(bargaining))
        res = solve(model, "maxmin-gain", baseline=x, exempt=x, individual_rationality=False)
        efficient = True if res.optimal and not violates else None
        if res.packages:
            best_pkg = res.packages[0]
            gains_all = model.utilities(best_pkg.package) - u
            gains = gains_all[bidx]
            # Nobody in the bargaining set loses and somebody gains: a Pareto improvement.
            if (gains >= -EPS).all() and gains.sum() > EPS:
                efficient = False
                improvement = Improvement(
                    choices=dict(best_pkg.choices),
                    utilities={pid: float(v) for pid, v in
                               zip(model.party_ids, model.utilities(best_pkg.package),
                                   strict=True)},
                    gains={model.party_ids[k]: float(gains_all[k]) for k in bidx},
                    changes={i: (choices_raw(model, x, i), best_pkg.choices[i])
                             for i in _changed(model, x, best_pkg.package)},
                    engine=res.engine,
                    optimal=res.optimal,
                )
    extras: dict[str, Any] = {}
    notes: list[str] = []
    if violates:
        notes.append(f"incoherent as written: violates constraint(s) {', '.join(violates)}")
    if (model.red_lines.probability < 1).any():
        notes.append(DETERMINISTIC)
    if notes:
        extras["notes"] = notes
    return PlanScore(
        plan_id=plan_id,
        title=title,
        choices=model.decode(x),
        parties=verdicts,
        concessions=concessions,
        pareto_efficient=efficient,
        improvement=improvement,
        all_accept=all(v.accepts for v in verdicts),
        extras=extras,
        agreement=not bool(blocks.any()),
        violates=violates,
    )


def _tri(flags: Any) -> str:
    return "all" if flags.all() else ("some" if flags.any() else "none")


def completions(model: CompiledModel, choices: dict[str, OptionValue],
                open_issues: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every completion of the open issues, (K, I), and which are valid (constraints)."""
    from itertools import product

    base = model.encode({k: v for k, v in choices.items() if k not in open_issues}, missing=-1)
    idx = [model.issue_ids.index(i) for i in open_issues]
    n = 1
    for i in idx:
        n *= int(model.n_options[i])
    if n > COMPLETION_LIMIT:
        raise ValueError(f"the open issues have {n:,} completions, above the "
                         f"{COMPLETION_LIMIT:,} that can be scored")
    x = np.repeat(base[None], n, axis=0)
    combos = np.array(list(product(*(range(int(model.n_options[i])) for i in idx))),
                      dtype=np.int64).reshape(n, len(idx))
    x[:, idx] = combos
    return x, model.valid(x)


def _score_open(scenario: Scenario, model: CompiledModel, choices: dict[str, OptionValue],
                open_issues: list[str], plan_id: str, title: str) -> PlanScore:
    """Ranges and three-valued verdicts over the valid completions of the open issues."""
    x_all, valid = completions(model, choices, open_issues)
    notes: list[str] = []
    x = x_all[valid]
    if not x.shape[0]:
        x = x_all
        notes.append("no completion of the open issues is valid: scored over all of them")
    u = model.utilities(x).reshape(-1, model.n_parties)
    acc = model.accepts(x)
    blk = model.blocks(x)
    invalid = x_all[~valid] if valid.any() else x_all[:0]
    u_invalid = model.utilities(invalid).reshape(-1, model.n_parties)
    acc_invalid = model.accepts(invalid).reshape(-1, model.n_parties)
    ideal = model.ideal(respect_red_lines=False)
    idx = [model.issue_ids.index(i) for i in open_issues]

    def name(k: int) -> dict[str, OptionValue]:
        return {model.issue_ids[i]: model.raw_options[i][int(x[k, i])] for i in idx}

    verdicts = []
    for p, pid in enumerate(model.party_ids):
        verdict = _tri(acc[:, p])
        deciding: dict[str, dict[str, OptionValue]] = {}
        yes, no = np.flatnonzero(acc[:, p]), np.flatnonzero(~acc[:, p])
        if yes.size:
            deciding["accepts in"] = name(int(yes[np.argmax(u[yes, p])]))
        why = ""
        if no.size:
            k = int(no[np.argmin(u[no, p])])
            deciding["rejects in"] = name(k)
            lines = _crossings(model, x[k], set())[0][pid]
            why = "; ".join(f"crosses {r.id} ({r.issue} {r.option})" for r in lines) or \
                f"utility {u[k, p]:.3f} below its walk-away {model.reservation[p]:.3f}"
        if verdict != "all" and invalid.shape[0]:
            # A completion it would accept that only a constraint rules out decides too.
            bad = np.flatnonzero(acc_invalid[:, p])
            if bad.size:
                k = int(bad[np.argmax(u_invalid[bad, p])])
                deciding["excluded by constraint"] = {
                    model.issue_ids[i]: model.raw_options[i][int(invalid[k, i])] for i in idx}
                rule = ", ".join(model.violated_constraints(invalid[k]))
                why = (why + "; " if why else "") + \
                    f"it would accept a completion that constraint {rule} forbids"
        lo, hi = float(u[:, p].min()), float(u[:, p].max())
        verdicts.append(PartyVerdict(
            pid, scenario.party(pid).name, lo, float(model.reservation[p]), verdict == "all",
            [], float(ideal[p]), _consent_of(scenario, pid), _tri(blk[:, p]), [],
            Range(lo, hi), verdict, deciding, why))
    agree = ~blk.any(axis=1)
    if agree.any():
        bidx: list[int] = model.party_index(list(model.bargaining_set))
        ks = np.flatnonzero(agree)
        best = int(ks[np.argmax(u[ks][:, bidx].sum(axis=1))]) if bidx else int(ks[0])
        notes.append("agreement (no party blocks) in the completion " + _fmt(name(best)))
    if (model.red_lines.probability < 1).any():
        notes.append(DETERMINISTIC)
    fixed = {k: v for k, v in choices.items() if k not in open_issues}
    return PlanScore(
        plan_id=plan_id, title=title, choices=fixed, parties=verdicts, concessions={},
        pareto_efficient=None, improvement=None,
        all_accept=bool(acc.all(axis=1).all()), extras={"notes": notes} if notes else {},
        agreement=_tri(agree), violates=[], open=list(open_issues),
        completions=int(valid.sum()))


def choices_raw(model: CompiledModel, x: np.ndarray, issue: str) -> OptionValue:
    i = model.issue_ids.index(issue)
    return model.raw_options[i][int(x[i])]


def _changed(model: CompiledModel, a: np.ndarray, b: np.ndarray) -> list[str]:
    return [model.issue_ids[i] for i in np.flatnonzero(np.asarray(a) != np.asarray(b))]


def score_plan(scenario: Scenario, model: CompiledModel, plan: Plan | str,
               *, find_improvement: bool = True) -> PlanScore:
    """Score a plan of the scenario (by id or object)."""
    if isinstance(plan, str):
        plan = scenario.plan(plan)
    return score_package(scenario, model, dict(plan.choices), plan_id=plan.id, title=plan.title,
                         find_improvement=find_improvement, open_issues=list(plan.open))


__all__ = ["EPS", "Improvement", "PartyVerdict", "PlanScore", "Range", "RedLineCrossing",
           "completions", "score_package", "score_plan"]
