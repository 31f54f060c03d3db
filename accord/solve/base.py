"""What every solution concept shares: the problem statement, the result objects, and the plain
explanation of an empty agreement zone.

A bargaining problem here is the compiled model restricted to the parties asked about, the
constraints respected (red lines; individual rationality, u_p >= reservation_p), and the
disagreement point d. Results say how they were found (engine), whether they are proven
optimal, and the gap; a heuristic result is never marked optimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from accord.model.compiled import CompiledModel, FloatArray, IntArray
from accord.model.scenario import OptionValue

EPS = 1e-6
"""Utilities closer than this are equal: MILP feasibility tolerances are about 1e-7."""

METHODS = ("nash", "ks", "egalitarian", "utilitarian", "maxmin-gain")
ENGINES = ("auto", "enumeration", "milp", "dp")


@dataclass(frozen=True)
class Problem:
    """The feasible set and reference points of one solve, for the parties in `model`."""

    model: CompiledModel
    respect_red_lines: bool
    individual_rationality: bool
    disagreement: FloatArray
    """(P,) d_p: the reservations unless given; 0 when individual rationality is off."""
    floor: FloatArray
    """(P,) lower bound on each utility (-inf when unconstrained)."""
    exempt: IntArray | None = None
    """A package whose options stay allowed even where a red line forbids them (a plan that
    already crosses a red line is compared with packages that cross no further one)."""

    @cached_property
    def allowed(self) -> list[IntArray]:
        """Per issue, the option indices the constraints leave (red lines only)."""
        m = self.model
        if not self.respect_red_lines or m.n_parties == 0:
            return [np.arange(int(n)) for n in m.n_options]
        ok = np.array(~m.forbidden.any(axis=0))
        if self.exempt is not None:
            ok[np.arange(m.n_issues), np.asarray(self.exempt)] = True
        return [np.flatnonzero(ok[i, : int(m.n_options[i])]) for i in range(m.n_issues)]

    @property
    def space_size(self) -> int:
        out = 1
        for a in self.allowed:
            out *= len(a)
        return out

    def feasible_mask(self, utilities: FloatArray) -> np.ndarray:
        """(N,) packages (already within red lines) whose utilities meet the floor."""
        return np.asarray((utilities >= self.floor - 1e-12).all(axis=1))


def make_problem(
    model: CompiledModel,
    parties: Sequence[str] | None = None,
    *,
    respect_red_lines: bool = True,
    individual_rationality: bool = True,
    disagreement: Sequence[float] | dict[str, float] | None = None,
    floor_at_disagreement: bool = False,
    exempt: IntArray | Sequence[int] | None = None,
) -> Problem:
    """Restrict the model to `parties` and state the constraints.

    With `floor_at_disagreement` (Nash, KS) packages must also give each party at least d_p,
    the bargaining set of Nash (1950).
    """
    if parties is not None and list(parties) != list(model.party_ids):
        model = model.restrict(list(parties))
    p = model.n_parties
    if disagreement is None:
        d = model.reservation.copy() if individual_rationality else np.zeros(p)
    elif isinstance(disagreement, dict):
        missing = [q for q in model.party_ids if q not in disagreement]
        if missing:
            raise ValueError(f"disagreement point lacks {', '.join(missing)}")
        d = np.array([float(disagreement[q]) for q in model.party_ids])
    else:
        d = np.asarray(disagreement, dtype=float).reshape(-1)
        if d.shape[0] != p:
            raise ValueError(f"disagreement point has {d.shape[0]} values for {p} parties")
    floor = model.reservation.copy() if individual_rationality else np.full(p, -np.inf)
    if floor_at_disagreement:
        floor = np.maximum(floor, d)
    ex = None if exempt is None else np.asarray(exempt, dtype=np.int64)
    return Problem(model, respect_red_lines, individual_rationality, d, floor, ex)


@dataclass(frozen=True)
class SolvedPackage:
    package: IntArray
    choices: dict[str, OptionValue]
    utilities: dict[str, float]
    objective: float | None = None

    @property
    def degenerate(self) -> bool:
        """The objective is not a finite number (a Nash product of 0: some gain is not
        positive, so its log is -inf); the package was ranked by the tie-break instead."""
        return self.objective is not None and not np.isfinite(self.objective)

    def to_dict(self) -> dict[str, Any]:
        finite = self.objective is not None and bool(np.isfinite(self.objective))
        return {
            "choices": self.choices,
            "utilities": {k: round(v, 9) for k, v in self.utilities.items()},
            # Strict JSON has no -Infinity: a non-finite objective is null, flagged degenerate.
            "objective": round(float(self.objective), 9) if finite else None,  # type: ignore[arg-type]
            "degenerate": self.degenerate,
        }


OBJECTIVES = {
    "nash": "log of the Nash product: sum_p log(u_p - d_p)",
    "ks": "smallest share of the ideal gain: min_p (u_p - d_p) / (ideal_p - d_p)",
    "egalitarian": "smallest utility: min_p u_p",
    "utilitarian": "sum of utilities: sum_p u_p",
    "maxmin-gain": "smallest gain over the baseline: min_p (u_p - u_p(baseline))",
}
"""What each method's `objective` number is, the same whichever engine found the package."""

STATUSES = ("optimal", "time_limit", "infeasible", "no_package")


@dataclass
class SolveResult:
    method: str
    engine: str
    optimal: bool
    gap: float
    seconds: float
    feasible: bool
    message: str
    packages: list[SolvedPackage] = field(default_factory=list)
    parties: tuple[str, ...] = ()
    disagreement: dict[str, float] = field(default_factory=dict)
    tolerance: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> SolvedPackage | None:
        return self.packages[0] if self.packages else None

    @property
    def status(self) -> str:
        """optimal (found and proven), time_limit (found, a limit stopped the proof),
        infeasible (proven that no package meets the constraints), or no_package (none found
        before a limit; nothing proven)."""
        if self.packages:
            return "optimal" if self.optimal else "time_limit"
        return "infeasible" if self.optimal else "no_package"

    @property
    def degenerate(self) -> bool:
        return any(p.degenerate for p in self.packages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "objective": OBJECTIVES.get(self.method, self.method),
            "engine": self.engine,
            "status": self.status,
            "optimal": self.optimal,
            "degenerate": self.degenerate,
            "gap": self.gap if np.isfinite(self.gap) else None,
            "seconds": round(self.seconds, 6),
            "packages": [p.to_dict() for p in self.packages],
            "feasible": self.feasible,
            "message": self.message,
            "parties": list(self.parties),
            "disagreement": {k: round(v, 9) for k, v in self.disagreement.items()},
            "tolerance": self.tolerance,
            **self.details,
        }


def solved(model: CompiledModel, package: IntArray, objective: float | None) -> SolvedPackage:
    """A package with its choices and utilities, computed by the compiled model."""
    pkg = np.asarray(package, dtype=np.int64)
    u = model.utilities(pkg)
    return SolvedPackage(pkg, model.decode(pkg),
                         dict(zip(model.party_ids, map(float, u), strict=True)), objective)


@dataclass(frozen=True)
class Frontier:
    """Pareto-optimal utility points (one representative package each), sorted by party 0."""

    utilities: FloatArray  # (K, P)
    packages: IntArray  # (K, I)
    parties: tuple[str, ...]
    exact: bool
    method: str
    message: str = ""
    seconds: float = 0.0

    def __len__(self) -> int:
        return int(self.utilities.shape[0])

    def to_rows(self, model: CompiledModel) -> list[dict[str, Any]]:
        rows = []
        for u, x in zip(self.utilities, self.packages, strict=True):
            row: dict[str, Any] = {p: float(v) for p, v in zip(self.parties, u, strict=True)}
            row.update({k: v for k, v in model.decode(x).items()})
            rows.append(row)
        return rows


class Infeasible(Exception):
    """No package meets the constraints; the message names the ones that conflict."""


def explain_infeasible(problem: Problem, best_min_slack: Any) -> str:
    """Name the constraints that cannot hold together, smallest conflicting group first.

    `best_min_slack(parties)` returns max over packages within the red lines of
    min_{p in parties} (u_p - floor_p), or None when the red lines alone leave nothing.
    """
    m = problem.model
    if problem.respect_red_lines:
        lines = []
        for i, opts in enumerate(problem.allowed):
            if len(opts) == 0:
                who = []
                for p, pid in enumerate(m.party_ids):
                    bad = [m.raw_options[i][o] for o in range(int(m.n_options[i]))
                           if m.forbidden[p, i, o]]
                    if bad:
                        who.append(f"{pid} forbids {', '.join(map(str, bad))}")
                lines.append(f"on issue {m.issue_ids[i]!r} every option is behind a red line "
                             f"({'; '.join(who)})")
        if lines:
            return "no package respects every red line: " + "; ".join(lines)
    floor = problem.floor
    bound = [p for p in range(m.n_parties) if np.isfinite(floor[p])]
    # Single parties first, then pairs, triples...: report the smallest conflicting groups.
    from itertools import combinations

    for k in range(1, len(bound) + 1):
        groups = []
        for group in combinations(bound, k):
            slack = best_min_slack(list(group))
            if slack is not None and slack < -1e-9:
                groups.append((group, slack))
        if groups:
            out = []
            for group, slack in groups:
                names = " and ".join(f"{m.party_ids[p]} ({floor[p]:.3f})" for p in group)
                if k == 1:
                    p = group[0]
                    out.append(f"{m.party_ids[p]} cannot reach its walk-away {floor[p]:.3f}: "
                               f"its best package within the red lines gives "
                               f"{floor[p] + slack:.3f}")
                else:
                    out.append(f"the walk-away values of {names} cannot be met together "
                               f"(at best one of them falls {-slack:.3f} short)")
            return "no package is acceptable to everyone: " + "; ".join(out) + \
                ". No agreement zone exists under these assumptions."
    return "no package meets the constraints"


@dataclass
class Found:
    """What an engine returns to the facade: packages best first and how sure it is."""

    packages: list[IntArray]
    objectives: list[float]
    optimal: bool
    gap: float = 0.0
    message: str = ""
    tolerance: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


def ones(n: int) -> FloatArray:
    return np.ones(n, dtype=np.float64)
