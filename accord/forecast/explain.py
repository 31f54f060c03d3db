"""Forecasts explained: per issue, where it settles, who pulls where and how hard, in words.

The explanation is built for a mediator, not a modeller: it names the actors, the option they
want, their share of the pull (capability and salience as the chosen model weighs them), where
the forecast lands relative to them, and whether the five models agree. Numbers stay in the
structured result (`to_dict`) for anyone who wants them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.forecast import bdm, calibrated, smp
from accord.forecast.data import ActorTable, FloatArray, IssueData
from accord.forecast.models import DEFAULT_MODEL, MODELS

SHORT = {"compromise": "compromise model", "median": "weighted median",
         "bdm": "expected-utility model", "smp": "spatial model",
         "calibrated": "calibrated compromise"}


@dataclass(frozen=True)
class Pull:
    actor: str
    name: str
    position: float
    place: str
    """The position in words: the option, or the number."""
    salience: float
    capability: float
    share: float
    """Share of the pull under the chosen model's weighting."""


@dataclass(frozen=True)
class IssueForecast:
    issue: IssueData
    model: str
    forecast: float
    place: str
    by_model: dict[str, float]
    pulls: tuple[Pull, ...]
    text: str
    bdm_run: bdm.BDMRun | None = None

    def to_dict(self) -> dict[str, Any]:
        i = self.issue
        near = i.nearest_option(self.forecast)
        out: dict[str, Any] = {
            "issue": i.id, "name": i.name, "model": self.model,
            "forecast": round(self.forecast, 2), "scale": [i.low, i.high],
            "option": near[1] if near else None,
            "behind_red_lines": i.behind_red_lines(self.forecast),
            "not_ordered_for": list(i.unordered),
            "by_model": {k: round(v, 2) for k, v in self.by_model.items()},
            "pulls": [{"actor": p.actor, "name": p.name, "position": round(p.position, 2),
                       "option": p.place if i.options else None,
                       "salience": round(p.salience, 2), "capability": p.capability,
                       "share": round(p.share, 4)} for p in self.pulls],
            "explanation": self.text,
        }
        if i.options:
            out["options"] = list(i.options)
        if i.skipped:
            out["skipped"] = list(i.skipped)
        if self.bdm_run is not None:
            out["bdm_rounds"] = [
                {"round": r.round, "median": round(r.median, 4), "mean": round(r.mean, 4),
                 "moves": [{"actor": m.actor, "kind": m.kind, "toward": m.toward,
                            "from": round(m.before, 4), "to": round(m.after, 4)}
                           for m in r.moves]}
                for r in self.bdm_run.rounds]
        return out


@dataclass(frozen=True)
class TableForecast:
    table: ActorTable
    model: str
    issues: tuple[IssueForecast, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.table.source, "name": self.table.name, "kind": self.table.kind,
                "model": self.model, "model_label": MODELS[self.model].label,
                "notes": list(self.notes), "warnings": list(self.table.warnings),
                "issues": [f.to_dict() for f in self.issues]}


def _shares(issue: IssueData, model: str) -> FloatArray:
    if model == calibrated.NAME:
        return calibrated.weights(issue)
    return issue.shares()


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) > 4:
        names = [*names[:3], f"{len(names) - 3} others"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _place(issue: IssueData, value: float) -> str:
    near = issue.nearest_option(value)
    if near:
        return f"'{near[1]}'"
    span = issue.span or 100.0
    return f"{value:.0f}" if span >= 20 else f"{value:.1f}" if span >= 2 else f"{value:.2f}"


def _smp_settings(table: ActorTable) -> smp.SMPSettings:
    quartic = table.params.get("VictoryProbModel", "").lower() == "quartic"
    return smp.SMPSettings(victory="quartic" if quartic else "linear")


def explain_issue(issue: IssueData, model: str = DEFAULT_MODEL,
                  smp_settings: smp.SMPSettings | None = None) -> IssueForecast:
    """Forecast one issue with every model; explain the chosen model's forecast."""
    if issue.n == 0:
        raise ValueError(f"issue {issue.id}: no actor has a position")
    run = bdm.simulate(issue)
    by_model = {}
    for name, spec in MODELS.items():
        if name == bdm.NAME:
            by_model[name] = run.forecast
        elif name == smp.NAME:
            by_model[name] = smp.forecast(issue, smp_settings)
        else:
            by_model[name] = spec.predict(issue)
    value = by_model[model]
    share = _shares(issue, model)
    pulls = tuple(sorted(
        (Pull(a, n, float(x), _place(issue, float(x)), float(s), float(c), float(sh))
         for a, n, x, s, c, sh in zip(issue.actors, issue.actor_names, issue.position,
                                      issue.salience, issue.capability, share, strict=True)),
        key=lambda p: (-p.share, p.position)))
    text = _words(issue, model, value, pulls, by_model, run)
    return IssueForecast(issue, model, value, _place(issue, value), by_model, pulls, text,
                         run if model == bdm.NAME else None)


def _words(issue: IssueData, model: str, value: float, pulls: Sequence[Pull],
           by_model: dict[str, float], run: bdm.BDMRun) -> str:
    tol = 0.02 * (issue.span or 1.0)
    groups: dict[float, list[Pull]] = {}
    for p in pulls:
        groups.setdefault(p.position, []).append(p)
    ordered = sorted(groups.items(), key=lambda kv: -sum(p.share for p in kv[1]))
    parts = []
    for k, (pos, members) in enumerate(ordered):
        names = _join([p.name for p in members])
        verb = "pulls" if len(members) == 1 else "pull"
        total = sum(p.share for p in members)
        lead = " hardest" if k == 0 and len(ordered) > 1 else ""
        together = " together" if len(members) > 1 else ""
        parts.append(f"{names} {verb}{lead} toward {_place(issue, pos)} "
                     f"({total:.0%} of the weight{together})")
    sentences = ["; ".join(parts) + "."]
    if len(pulls) > 1 and pulls[0].share >= 1.25 * pulls[1].share:
        p = pulls[0]
        sentences.append(f"{p.name} weighs most here (salience {p.salience:.0f}, "
                         f"capability {p.capability:g}).")
    where = f"The {SHORT[model]} puts the outcome at {_place(issue, value)}"
    if issue.options:
        where += f" ({value:.0f} on a 0-100 scale from '{issue.options[0]}' to " \
                 f"'{issue.options[-1]}')"
    own = [members for pos, members in groups.items() if abs(pos - value) <= tol]
    below = [pos for pos in groups if pos < value - tol]
    above = [pos for pos in groups if pos > value + tol]
    if own:
        where += f", the position of {_join([p.name for p in own[0]])}"
    elif below and above:
        lo, hi = max(below), min(above)
        where += (f", between {_place(issue, lo)} ({_join([p.name for p in groups[lo]])}) "
                  f"and {_place(issue, hi)} ({_join([p.name for p in groups[hi]])})")
        if issue.options and _place(issue, value) not in {p.place for p in pulls}:
            where += ": an option none of them asks for"
    sentences.append(where + ".")
    places = {name: _place(issue, v) for name, v in by_model.items()}
    spread = max(by_model.values()) - min(by_model.values())
    if len(set(places.values())) == 1:
        sentences.append(f"All {len(places)} models agree on {places[model]}.")
    else:
        others = "; ".join(f"{SHORT[n]} {pl}" for n, pl in places.items() if n != model)
        caution = " Treat this forecast as uncertain." if spread > 0.25 * (issue.span or 1) \
            else ""
        sentences.append(f"The other models say: {others}.{caution}")
    behind = issue.behind_red_lines(value)
    if behind:
        sentences.append(f"WARNING: {_place(issue, value)} lies behind the red line of "
                         f"{_join(behind)}, so {'it' if len(behind) == 1 else 'they'} "
                         f"would reject it as it stands.")
    if issue.unordered:
        sentences.append(f"The option order is not a scale for {_join(issue.unordered)} "
                         f"(their values do not rise then fall along it), so a point between "
                         f"options is no compromise for them: read this forecast with care.")
    movers = [(a, x0, x1) for a, x0, x1 in zip(issue.actor_names, issue.position,
                                               run.positions, strict=True)
              if abs(x1 - x0) > tol]
    if movers:
        said = [f"{a} gives ground from {_place(issue, x0)} to {_place(issue, x1)}"
                for a, x0, x1 in movers[:3]]
        if len(movers) > 3:
            said.append(f"{len(movers) - 3} more move")
        sentences.append("In the expected-utility bargaining rounds, " + _join(said) + ".")
    return " ".join(sentences)


def explain_table(table: ActorTable, model: str = DEFAULT_MODEL,
                  issues: Sequence[str] | None = None) -> TableForecast:
    """Forecast and explain every issue of a table (or those named)."""
    if model not in MODELS:
        raise KeyError(f"unknown model {model!r}; models: {', '.join(MODELS)}")
    chosen = list(table.issues)
    if issues:
        known = {i.id: i for i in table.issues}
        missing = [i for i in issues if i not in known]
        if missing:
            raise KeyError(f"unknown issue {', '.join(missing)}; issues: {', '.join(known)}")
        chosen = [known[i] for i in issues]
    settings = _smp_settings(table)
    results = tuple(explain_issue(i, model, settings) for i in chosen if i.n > 0)
    notes = list(_notes(table, model))
    empty = [i.id for i in chosen if i.n == 0]
    if empty:
        notes.append(f"No actor has a position on {', '.join(empty)}; no forecast there.")
    return TableForecast(table, model, results, tuple(notes))


def _notes(table: ActorTable, model: str) -> list[str]:
    notes = []
    skipped = sorted({s for i in table.issues for s in i.skipped
                      if "no preferences" in s})
    if skipped:
        notes.append("Left out: " + "; ".join(skipped) + ".")
    if table.kind == "scenario":
        notes.append("Positions: each party's most-valued option, on the issue's option order "
                     "scaled from 0 (first option) to 100 (last). Salience: the party's weight "
                     "on the issue, its most important issue scoring 100. Capability: the "
                     "party's `capability` field (1 when not given).")
        if model == calibrated.NAME:
            notes.append(f"The calibrated model's exponents (capability^{calibrated.ALPHA:g}, "
                         f"salience^{calibrated.BETA:g}) were fitted to EU legislative "
                         "decisions (DEU III); using them here assumes this negotiation "
                         "rewards caring about an issue the way EU law-making does.")
    return notes
