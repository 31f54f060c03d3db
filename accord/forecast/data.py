"""Stakeholder data for forecasting: per issue, each actor's position, salience and capability.

Every forecasting model reads one `IssueData`: positions on the issue's own scale
(`low`..`high`; 0-100 for DEU and KTAB tables, the option order scaled to 0-100 for a
scenario, raw units such as years for a BDM table), saliences on 0-100, capabilities > 0.
Models return a forecast on the same scale, so nothing is lost converting back and forth.

A scenario becomes an `ActorTable` through the compiled model (the arrays every other
algorithm uses): a party's position on an issue is the option it values most, its salience
is its weight rescaled so that its most important issue scores 100, and its capability is the
party's `capability` field (1 when absent). Parties without preferences (a mediator, say)
have no position to forecast from and are listed as skipped; so, issue by issue, is a party
that puts no weight on the issue (it values every option alike, so it has no position there).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from accord.model import Scenario, compile_scenario

FloatArray = NDArray[np.float64]

OPTION_TOL = 1e-6
"""Tolerance, in option steps, when a point on the scale is turned into an option."""


class ForecastDataError(ValueError):
    """Bad actor data: names the file, the field and the fix, for a one-line message."""

    def __init__(self, file: str, field: str, problem: str, fix: str) -> None:
        self.file, self.field, self.problem, self.fix = file, field, problem, fix
        super().__init__(f"{file}: {field}: {problem}")


@dataclass(frozen=True, eq=False)
class IssueData:
    """One issue's stakeholders, aligned arrays of length n (actors with a position)."""

    id: str
    name: str
    actors: tuple[str, ...]
    position: FloatArray
    salience: FloatArray
    capability: FloatArray
    low: float = 0.0
    high: float = 100.0
    actor_names: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    """Option labels in scale order for a categorical scale (option k sits at `option_at(k)`)."""
    reference: float | None = None
    """The reference point (status quo), when the data has one (DEU `rp`)."""
    outcome: float | None = None
    """The actual outcome, when known (DEU `out`)."""
    skipped: tuple[str, ...] = ()
    """Actors left out of this issue, with the reason, for the explanation."""
    meta: Mapping[str, str] = field(default_factory=dict)
    red_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """Party name -> indices of the options its red lines forbid (scenarios only)."""
    unordered: tuple[str, ...] = ()
    """Parties whose values do not rise then fall along the option order (not single-peaked):
    for them a point between two options on the 0-100 line is no compromise."""

    def __post_init__(self) -> None:
        n = len(self.actors)
        for name in ("position", "salience", "capability"):
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if arr.shape != (n,):
                raise ValueError(f"issue {self.id}: {name} has shape {arr.shape}, expected ({n},)")
            arr = arr.copy()
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if not self.actor_names:
            object.__setattr__(self, "actor_names", self.actors)

    @property
    def n(self) -> int:
        return len(self.actors)

    @property
    def span(self) -> float:
        return float(self.high - self.low)

    def pull(self, alpha: float = 1.0, beta: float = 1.0) -> FloatArray:
        """Each actor's pull on the outcome, as every model weighs it: capability^alpha x
        (salience / 100)^beta; when that is zero for everyone (no one cares), capability^alpha;
        when that is too, equal weights (1 each). Not normalised: BDM's and SMP's votes use it
        as it is (alpha = beta = 1 there); `shares` normalises it."""
        c = self.capability ** alpha
        for w in (c * self.salience ** beta / 100.0 ** beta, c):
            if float(w.sum()) > 0:
                return np.asarray(w, dtype=np.float64)
        return np.ones(self.n)

    def shares(self, alpha: float = 1.0, beta: float = 1.0) -> FloatArray:
        """`pull` normalised to sum to 1: each actor's share of the pull."""
        w = self.pull(alpha, beta)
        return np.asarray(w / w.sum())

    def option_at(self, k: int) -> float:
        m = len(self.options)
        return self.low if m <= 1 else self.low + k * self.span / (m - 1)

    def nearest_option(self, value: float) -> tuple[int, str] | None:
        """The option closest to a point on the scale (None for a continuous scale).

        One rule for every model: a point within `OPTION_TOL` of an option step's midpoint
        counts as the midpoint, and a midpoint goes to the higher option, so float noise
        (49.9999999 against 50) never turns one displayed value into two options."""
        m = len(self.options)
        if m == 0:
            return None
        if m == 1 or self.span == 0:
            return 0, self.options[0]
        x = (value - self.low) / self.span * (m - 1)
        k = int(np.clip(math.floor(x + 0.5 + OPTION_TOL), 0, m - 1))
        return k, self.options[k]

    def behind_red_lines(self, value: float) -> list[str]:
        """Parties whose red lines forbid the option nearest `value`."""
        near = self.nearest_option(value)
        if near is None:
            return []
        return [who for who, ks in self.red_lines.items() if near[0] in ks]

    def describe(self, value: float) -> str:
        """A point on the scale in words: the nearest option, or the number."""
        near = self.nearest_option(value)
        return near[1] if near else f"{value:.1f}"

    def with_positions(self, position: Sequence[float] | FloatArray) -> IssueData:
        """The same issue with other positions (used by the dynamic models' rounds)."""
        return IssueData(
            id=self.id, name=self.name, actors=self.actors,
            position=np.asarray(position, dtype=np.float64), salience=self.salience,
            capability=self.capability, low=self.low, high=self.high,
            actor_names=self.actor_names, options=self.options, reference=self.reference,
            outcome=self.outcome, skipped=self.skipped, meta=self.meta,
            red_lines=self.red_lines, unordered=self.unordered,
        )


@dataclass(frozen=True)
class ActorTable:
    """A set of issues read from one source (scenario, KTAB/BDM table, DEU dataset)."""

    name: str
    source: str
    kind: str
    issues: tuple[IssueData, ...]
    warnings: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)
    """Model parameters the file states (KTAB XML `ModelParameters`), for the record."""


def from_scenario(scenario: Scenario) -> ActorTable:
    """Stakeholder data from a scenario's compiled preferences (see the module docstring)."""
    model = compile_scenario(scenario)
    scored = set(model.party_ids)
    skipped = tuple(f"{p.name} ({p.id}): no preferences in the scenario, so no position"
                    for p in scenario.parties if p.id not in scored)
    names = {p.id: p.name for p in scenario.parties}
    capability = np.array(
        [c if (c := scenario.party(pid).capability) is not None else 1.0
         for pid in model.party_ids], dtype=np.float64)
    top = model.weights.max(axis=1, keepdims=True)
    salience = np.divide(100.0 * model.weights, top, out=np.zeros_like(model.weights),
                         where=top > 0)
    issues = []
    # Options behind a red line, counting conditional ones (the forecast places one issue at a
    # time, so whether an `unless` on another issue holds is not known here).
    behind = model.forbidden_options(conditional=True)
    for i, iss in enumerate(scenario.issues):
        m = int(model.n_options[i])
        # A party with no weight on the issue has no position on it (all options tie at 0).
        cares = model.weights[:, i] > 0
        ids = tuple(pid for pid, c in zip(model.party_ids, cares, strict=True) if c)
        indifferent = tuple(f"{names[pid]} ({pid}): no weight on {iss.id}, so no position there"
                            for pid, c in zip(model.party_ids, cares, strict=True) if not c)
        vals = model.values[cares, i, :m]
        # The most-valued option; ties (two options both worth 1) sit at their mean index.
        best = vals.max(axis=1, keepdims=True)
        tied = np.isclose(vals, best)
        idx = (tied * np.arange(m)).sum(axis=1) / tied.sum(axis=1)
        position = 100.0 * idx / (m - 1) if m > 1 else np.zeros(len(ids))
        red = {names[pid]: tuple(int(k) for k in np.flatnonzero(behind[p, i, :m]))
               for p, pid in enumerate(model.party_ids) if behind[p, i, :m].any()}
        unordered = tuple(names[pid] for pid, v in zip(ids, vals, strict=True)
                          if not _single_peaked(v))
        issues.append(IssueData(
            id=iss.id, name=iss.name, actors=ids, actor_names=tuple(names[p] for p in ids),
            position=position, salience=salience[cares, i], capability=capability[cares],
            options=model.options[i], skipped=skipped + indifferent, red_lines=red,
            unordered=unordered,
        ))
    return ActorTable(name=scenario.title, source=scenario.scenario, kind="scenario",
                      issues=tuple(issues))


def _single_peaked(values: FloatArray, tol: float = 1e-9) -> bool:
    """Values that rise (weakly) to a peak and then fall (weakly) along the option order."""
    d = np.diff(np.asarray(values, dtype=np.float64))
    falling = False
    for step in d:
        if step < -tol:
            falling = True
        elif step > tol and falling:
            return False
    return True
